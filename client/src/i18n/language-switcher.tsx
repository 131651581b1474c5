import { useId } from 'react';
import { useIntl } from 'react-intl';
import { languages } from './languages.ts';
import { useLanguage } from './language-provider.tsx';

// Each language is offered in its own name, so a reader finds theirs whatever the page is in now.
export function LanguageSwitcher() {
  const intl = useIntl();
  const { language, choose } = useLanguage();
  const id = useId();
  if (languages.length < 2) return null;
  return (
    <div className="language-switcher">
      <label htmlFor={id}>{intl.formatMessage({ id: 'language.label' })}</label>
      <select id={id} value={language} onChange={(event) => choose(event.target.value)}>
        {languages.map((candidate) => (
          <option key={candidate.code} value={candidate.code} lang={candidate.code}>
            {candidate.name}
          </option>
        ))}
      </select>
    </div>
  );
}
