import { PLAYBOOK_VARIABLES, VARIABLE_PATTERN, type PlaybookVariable } from './playbook.js';

const KNOWN = new Set<string>(PLAYBOOK_VARIABLES);

/** Values for one conversation; a missing one is replaced by its fallback in the customer's language. */
export type VariableValues = Partial<Record<PlaybookVariable, string>>;

/**
 * Fills `{customer.name}`, `{ticket.reference}`, `{agent.name}` and `{sla.due}`. Whatever else looks
 * like a variable (`{order.id}` typed by hand) loses its braces: a customer never sees a raw `{…}`.
 * Pure, and run on every agent line before it is sent as well as when a playbook is inserted.
 */
export function fillVariables(text: string, values: VariableValues, fallbacks: Record<PlaybookVariable, string>): string {
  return text.replace(VARIABLE_PATTERN, (_match, name: string) => {
    if (!KNOWN.has(name)) return name;
    const variable = name as PlaybookVariable;
    const value = values[variable]?.trim();
    return value ? value : fallbacks[variable];
  });
}

/** True when `text` still holds something that reads as a variable (for tests and assertions). */
export function hasRawVariable(text: string): boolean {
  return new RegExp(VARIABLE_PATTERN.source).test(text);
}
