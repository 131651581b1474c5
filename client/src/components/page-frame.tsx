import type { ReactNode } from 'react';
import { useIntl } from 'react-intl';
import { LanguageSwitcher } from '../i18n/language-switcher.tsx';

// The participant pages' card: the brand, the language switcher, and the page's own content.
export function PageFrame({ labelledBy, children, busy }: { labelledBy?: string; children: ReactNode; busy?: boolean }) {
  const intl = useIntl();
  return (
    <main className="page">
      <section className="card" aria-labelledby={labelledBy} aria-busy={busy}>
        <div className="card-top">
          <p className="brand">{intl.formatMessage({ id: 'brand.participant' })}</p>
          <LanguageSwitcher />
        </div>
        {children}
      </section>
    </main>
  );
}
