import Badge from '@cloudscape-design/components/badge';
import Container from '@cloudscape-design/components/container';
import Box from '@cloudscape-design/components/box';
import Link from '@cloudscape-design/components/link';
import type { Environment, ModelVersion } from '../api/types';
import { useFollow } from '../shell/Layout';
import { num, relative } from './format';

/**
 * The model's versions left to right, oldest first, each marked with the environments it is live
 * in (the "freight timeline" of promotion tools): where every version stands at a glance.
 */
export function VersionsStrip({ model, versions, environments }: { model: string; versions: ModelVersion[]; environments: Environment[] }) {
  const follow = useFollow();
  const liveIn = (v: number) => environments.filter((e) => e.live.some((l) => l.model === model && l.version === v)).map((e) => e.name);
  const shown = versions.slice(-12);
  return (
    <div role="list" aria-label={`Versions of ${model}, oldest first, with where each is live`} style={{ display: 'flex', gap: 12, overflowX: 'auto', paddingBottom: 4 }}>
      {versions.length > shown.length ? (
        <Box variant="small" color="text-status-inactive" padding={{ top: 's' }}>
          {versions.length - shown.length} older versions not shown
        </Box>
      ) : null}
      {shown.map((v) => {
        const envs = liveIn(v.version);
        return (
          <div role="listitem" key={v.version} style={{ minWidth: 160 }}>
            <Container variant={envs.length ? 'default' : 'stacked'}>
            <Box variant="h3" padding="n">
              <Link href={`/models/${encodeURIComponent(model)}/versions/${v.version}`} onFollow={follow} fontSize="heading-s">
                v{v.version}
              </Link>
            </Box>
            <Box variant="small" color="text-body-secondary">
              {relative(v.createdAt)}
            </Box>
            <Box padding={{ vertical: 'xxs' }}>
              {Object.entries(v.metrics as Record<string, number>)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, x]) => (
                  <Box key={k} variant="small" display="block">
                    {k} {num(x)}
                  </Box>
                ))}
            </Box>
            <div>
              {envs.length ? (
                envs.map((e) => (
                  <span key={e} style={{ marginInlineEnd: 4 }}>
                    <Badge color="green">live in {e}</Badge>
                  </span>
                ))
              ) : (
                <Box variant="small" color="text-status-inactive">
                  not live
                </Box>
              )}
            </div>
            </Container>
          </div>
        );
      })}
    </div>
  );
}
