import Calendar from '@cloudscape-design/components/calendar';
import DateInput from '@cloudscape-design/components/date-input';
import FormField from '@cloudscape-design/components/form-field';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { PropertyFilterProps } from '@cloudscape-design/components/property-filter';

/** The property filter's form for a date token: type it or pick it (YYYY-MM-DD, UTC). */
export function DateForm({ value, onChange }: PropertyFilterProps.ExtendedOperatorFormProps<string>) {
  return (
    <SpaceBetween size="s">
      <FormField label="Date (UTC)" constraintText="YYYY/MM/DD">
        <DateInput value={value ?? ''} onChange={(e) => onChange(e.detail.value)} placeholder="YYYY/MM/DD" />
      </FormField>
      <Calendar value={value ?? ''} onChange={(e) => onChange(e.detail.value)} locale="en-GB" ariaLabel="Pick a date" />
    </SpaceBetween>
  );
}
