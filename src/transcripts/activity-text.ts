import type { Activity, CardAction } from 'botbuilder';

interface CardContent {
  title?: string;
  text?: string;
  buttons?: CardAction[];
}

/**
 * A readable one-message summary of an activity for transcripts: its text, or for cards the
 * title, text and button labels; a button click is recorded as the label the customer saw.
 */
export function activityText(activity: Partial<Activity>): string {
  const parts: string[] = [];
  if (activity.text) parts.push(activity.text);
  else if (activity.value !== undefined && activity.value !== null) {
    const shown = (activity.channelData as { messageBack?: { displayText?: string } } | undefined)?.messageBack?.displayText;
    parts.push(shown ?? `[clicked] ${JSON.stringify(activity.value)}`);
  }
  for (const attachment of activity.attachments ?? []) {
    const content = attachment.content as CardContent | undefined;
    if (content === undefined || typeof content !== 'object') continue;
    const card = [content.title, content.text].filter(Boolean).join('\n');
    const buttons = (content.buttons ?? []).map((b) => `[${b.title}]`).join(' ');
    parts.push([card, buttons].filter(Boolean).join('\n'));
  }
  return parts.join('\n').trim();
}
