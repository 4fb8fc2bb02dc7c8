import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import Box from '@cloudscape-design/components/box';

/** A digest people can read and copy: the short form shown, the whole value copied. */
export function Digest({ value, label = 'digest' }: { value: string | null | undefined; label?: string }) {
  if (!value) return <Box color="text-status-inactive">-</Box>;
  return (
    <CopyToClipboard
      variant="inline"
      textToCopy={value}
      copyButtonAriaLabel={`Copy ${label}`}
      copySuccessText={`${label} copied`}
      copyErrorText={`${label} not copied`}
    />
  );
}
