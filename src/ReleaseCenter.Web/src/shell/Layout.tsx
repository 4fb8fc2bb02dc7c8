import { useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import AppLayout, { type AppLayoutProps } from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Flashbar from '@cloudscape-design/components/flashbar';
import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import Badge from '@cloudscape-design/components/badge';
import { useFlash } from './flash';
import { clearSession, useSession } from '../auth/session';
import { loadConfig } from '../auth/config';
import { cognitoLogoutUrl } from '../auth/cognito';
import { pendingApprovalsQuery } from '../api/queries';
import { useLocalStorage } from '../components/useLocalStorage';

export interface Crumb {
  text: string;
  href: string;
}

interface LayoutProps {
  breadcrumbs: Crumb[];
  content: ReactNode;
  contentType?: AppLayoutProps.ContentType;
  splitPanel?: ReactNode;
  splitPanelOpen?: boolean;
  onSplitPanelToggle?: (open: boolean) => void;
}

/** Follows a Cloudscape link or item inside the app without a page load. */
export function useFollow() {
  const navigate = useNavigate();
  return (e: CustomEvent<{ href?: string; external?: boolean }>) => {
    if (!e.detail.external && e.detail.href) {
      e.preventDefault();
      navigate(e.detail.href);
    }
  };
}

function Navigation() {
  const location = useLocation();
  const follow = useFollow();
  const pending = useQuery({ ...pendingApprovalsQuery(), refetchInterval: 30_000 });
  const count = pending.data?.items.length ?? 0;
  const items: SideNavigationProps.Item[] = [
    { type: 'link', text: 'Releases', href: '/releases' },
    {
      type: 'link',
      text: 'My approvals',
      href: '/approvals',
      info: count > 0 ? <Badge color="blue">{count}</Badge> : undefined,
    },
    { type: 'link', text: 'Models', href: '/models' },
    { type: 'divider' },
    { type: 'link', text: 'Environments', href: '/environments' },
    { type: 'link', text: 'Audit log', href: '/audit' },
    { type: 'link', text: 'Drift', href: '/drift' },
    { type: 'link', text: 'Dashboard', href: '/dashboard' },
    { type: 'divider' },
    { type: 'link', text: 'API reference', href: '/docs', external: true },
  ];
  const active = '/' + (location.pathname.split('/')[1] ?? '');
  return (
    <SideNavigation
      header={{ text: 'ML Release Center', href: '/releases' }}
      activeHref={active === '/' ? '/releases' : active}
      items={items}
      onFollow={follow}
    />
  );
}

export function TopBar() {
  const session = useSession();
  const navigate = useNavigate();
  const signOut = async () => {
    clearSession();
    const config = await loadConfig().catch(() => null);
    if (session?.via === 'cognito' && config?.auth === 'cognito') window.location.assign(cognitoLogoutUrl(config));
    else navigate('/sign-in');
  };
  return (
    <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
      <TopNavigation
        identity={{ href: '/releases', title: 'ML Release Center', onFollow: (e) => { e.preventDefault(); navigate('/releases'); } }}
        utilities={
          session
            ? [
                {
                  type: 'menu-dropdown',
                  text: session.user,
                  description: session.groups.length ? session.groups.join(', ') : 'no groups',
                  iconName: 'user-profile',
                  ariaLabel: `Signed in as ${session.user}`,
                  items: [{ id: 'sign-out', text: 'Sign out' }],
                  onItemClick: (e) => {
                    if (e.detail.id === 'sign-out') void signOut();
                  },
                },
              ]
            : [{ type: 'button', text: 'Sign in', href: '/sign-in' }]
        }
      />
    </div>
  );
}

export function Layout(props: LayoutProps) {
  const flash = useFlash();
  const follow = useFollow();
  const [navigationOpen, setNavigationOpen] = useState(true);
  const [splitPanelSize, setSplitPanelSize] = useLocalStorage('rc.splitPanelSize', 520);
  return (
    <>
      <TopBar />
      <AppLayout
        headerSelector="#top-nav"
        contentType={props.contentType ?? 'default'}
        navigation={<Navigation />}
        navigationOpen={navigationOpen}
        onNavigationChange={(e) => setNavigationOpen(e.detail.open)}
        breadcrumbs={<BreadcrumbGroup items={props.breadcrumbs} onFollow={follow} ariaLabel="Breadcrumbs" />}
        notifications={<Flashbar items={flash.items} stackItems />}
        content={props.content}
        toolsHide
        splitPanel={props.splitPanel}
        // Always controlled: a prop that starts undefined would leave AppLayout uncontrolled for good.
        splitPanelOpen={props.splitPanelOpen ?? false}
        onSplitPanelToggle={(e) => props.onSplitPanelToggle?.(e.detail.open)}
        splitPanelPreferences={{ position: 'side' }}
        onSplitPanelPreferencesChange={() => undefined /* the panel always sits at the side; its preferences button is hidden */}
        splitPanelSize={splitPanelSize}
        onSplitPanelResize={(e) => setSplitPanelSize(e.detail.size)}
        ariaLabels={{ navigation: 'Side navigation', navigationClose: 'Close side navigation', navigationToggle: 'Open side navigation' }}
      />
    </>
  );
}
