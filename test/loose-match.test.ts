import { describe, expect, it } from 'vitest';
import { recogniseInterruption, recogniseSmallTalk } from '../dialogs/interruptions.js';
import { matchChoice, mentionsPhrase, ordinalChoice, yesOrNo } from '../dialogs/loose-match.js';
import { typedReplyToAction } from '../dialogs/main-dialog.js';
import { en } from '../src/i18n/en.js';
import { pl } from '../src/i18n/pl.js';
import { pt } from '../src/i18n/pt.js';
import type { Texts } from '../src/i18n/texts.js';

const review = (texts: Texts) => [
  { title: texts.fileTicket, synonyms: texts.fileTicketWords },
  { title: texts.editSummary, synonyms: texts.editSummaryWords },
  { title: texts.cancel, synonyms: texts.cancelTicketWords },
];
const tiers = (texts: Texts) => (['L1', 'L2', 'L3', 'L4'] as const).map((tier) => ({ title: texts.tierChoices[tier], synonyms: texts.tierChoiceWords[tier] }));

describe('loose choice matching', () => {
  it('understands the ticket review in every language', () => {
    const cases: [Texts, string, number][] = [
      [en, 'file it', 0],
      [en, 'File the ticket', 0],
      [en, 'yes please', 0],
      [en, 'go ahead, thanks!', 0],
      [en, 'the second one', 1],
      [en, 'I want to change it', 1],
      [en, '3', 2],
      [en, 'no', 2],
      [pt, 'sim', 0],
      [pt, 'pode abrir, por favor', 0],
      [pt, 'Abrir o chamado', 0],
      [pt, 'a segunda', 1],
      [pt, 'quero editar', 1],
      [pt, 'nao', 2],
      [pl, 'tak, proszę', 0],
      [pl, 'tak prosze', 0],
      [pl, 'Załóż zgłoszenie', 0],
      [pl, 'zaloz zgloszenie', 0],
      [pl, 'druga', 1],
      [pl, 'zmień', 1],
      [pl, 'anuluj', 2],
    ];
    for (const [texts, reply, index] of cases) expect(matchChoice(reply, review(texts), texts), `${texts.language}: ${reply}`).toBe(index);
  });

  it('understands the tier question by words of the titles or synonyms', () => {
    expect(matchChoice('an expert please', tiers(en), en)).toBe(2);
    expect(matchChoice('technician', tiers(en), en)).toBe(1);
    expect(matchChoice('the last one', tiers(en), en)).toBe(3);
    expect(matchChoice('especialista', tiers(pt), pt)).toBe(2);
    expect(matchChoice('primeira opção', tiers(pt), pt)).toBe(0);
    expect(matchChoice('pierwszy', tiers(pl), pl)).toBe(0);
    expect(matchChoice('telefon od technika', tiers(pl), pl)).toBe(1);
  });

  it('does not guess when a reply fits no choice or several', () => {
    expect(matchChoice('my printer is on fire', review(en), en)).toBeUndefined();
    expect(matchChoice('7', review(en), en)).toBeUndefined();
    expect(matchChoice('yes and no', review(en), en)).toBeUndefined();
    expect(matchChoice('', tiers(pl), pl)).toBeUndefined();
  });

  it('reads ordinals and numbers', () => {
    expect(ordinalChoice('the 2nd one', 3, en)).toBe(1);
    expect(ordinalChoice('#3', 3, en)).toBe(2);
    expect(ordinalChoice('option 1', 3, en)).toBe(0);
    expect(ordinalChoice('o primeiro', 3, pt)).toBe(0);
    expect(ordinalChoice('a última', 3, pt)).toBe(2);
    expect(ordinalChoice('ostatni', 4, pl)).toBe(3);
    expect(ordinalChoice('trzecia opcja', 3, pl)).toBe(2);
    expect(ordinalChoice('4', 3, en)).toBeUndefined();
  });

  it('reads yes and no loosely, with and without diacritics', () => {
    for (const [texts, reply] of [[en, 'yes please'], [en, 'Yes, it did, thanks!'], [pt, 'sim'], [pt, 'sim, ajudou, obrigado'], [pl, 'tak, proszę'], [pl, 'tak pomoglo']] as const) {
      expect(yesOrNo(reply, texts), reply).toBe('yes');
    }
    for (const [texts, reply] of [[en, 'no'], [en, 'not really'], [pt, 'não'], [pt, 'nao ajudou'], [pl, 'nie'], [pl, 'nie pomogło']] as const) {
      expect(yesOrNo(reply, texts), reply).toBe('no');
    }
    expect(yesOrNo('yes and no', en)).toBeUndefined();
    expect(yesOrNo('how do I export to PDF', en)).toBeUndefined();
  });

  it('turns typed replies into did-you-mean picks and feedback', () => {
    const choices = { kind: 'choices' as const, articleIds: ['create-new-user', 'deactivate-user', 'user-roles'], question: 'user' };
    expect(typedReplyToAction('the second one', choices, en)).toMatchObject({ action: 'pick-article', articleId: 'deactivate-user' });
    expect(typedReplyToAction('segundo', choices, pt)).toMatchObject({ action: 'pick-article', articleId: 'deactivate-user' });
    expect(typedReplyToAction('trzeci', choices, pl)).toMatchObject({ action: 'pick-article', articleId: 'user-roles' });
    expect(typedReplyToAction('none of these, thanks', choices, en)).toMatchObject({ action: 'none-of-these' });
    const titled = { ...choices, titles: ['Como crio um novo usuário?', 'Como desativo um usuário?', 'Quais são os papéis de usuário?'] };
    expect(typedReplyToAction('desativo', titled, pt)).toMatchObject({ action: 'pick-article', articleId: 'deactivate-user' });
    expect(typedReplyToAction('papeis', titled, pt)).toMatchObject({ action: 'pick-article', articleId: 'user-roles' });
    expect(typedReplyToAction('nenhum deles', choices, pt)).toMatchObject({ action: 'none-of-these' });
    expect(typedReplyToAction('żaden z nich', choices, pl)).toMatchObject({ action: 'none-of-these' });
    const feedback = { kind: 'feedback' as const, articleId: 'a', question: 'q' };
    expect(typedReplyToAction('yes please', feedback, en)).toMatchObject({ helpful: true });
    expect(typedReplyToAction('tak, proszę', feedback, pl)).toMatchObject({ helpful: true });
    expect(typedReplyToAction('não', feedback, pt)).toMatchObject({ helpful: false });
    expect(typedReplyToAction('how do I add a user', feedback, en)).toBeUndefined();
  });

  it('finds phrases inside longer messages regardless of accents', () => {
    expect(mentionsPhrase('can you call me back tomorrow?', en.callbackWords)).toBe(true);
    expect(mentionsPhrase('prosze, oddzwoncie do mnie', pl.callbackWords)).toBe(true);
    expect(mentionsPhrase('quero falar com um atendente agora', pt.humanWords)).toBe(true);
    expect(mentionsPhrase('how do I add an agenda', en.humanWords)).toBe(false);
  });
});

describe('interruptions and small talk', () => {
  it('recognises the commands that work at every prompt, in every language', () => {
    const cases: [Texts, string, string][] = [
      [en, 'cancel', 'cancel'],
      [en, 'never mind', 'cancel'],
      [en, 'start over please', 'start-over'],
      [en, 'help', 'help'],
      [en, 'I want to talk to a human', 'human'],
      [pt, 'cancelar', 'cancel'],
      [pt, 'começar de novo', 'start-over'],
      [pt, 'comecar de novo', 'start-over'],
      [pt, 'ajuda', 'help'],
      [pt, 'quero falar com um atendente', 'human'],
      [pl, 'anuluj', 'cancel'],
      [pl, 'zacznij od nowa', 'start-over'],
      [pl, 'pomocy', 'help'],
      [pl, 'chcę rozmawiać z konsultantem', 'human'],
    ];
    for (const [texts, text, command] of cases) expect(recogniseInterruption(text, texts), `${texts.language}: ${text}`).toBe(command);
  });

  it('never takes an answer that merely contains a command word for the command', () => {
    expect(recogniseInterruption('agent@example.com', en)).toBeUndefined();
    expect(recogniseInterruption('I need help with the OCR languages', en)).toBeUndefined();
    expect(recogniseInterruption('+48 22 123 45 67', pl)).toBeUndefined();
    expect(recogniseInterruption('cancel my subscription at the end of the year', en)).toBeUndefined();
  });

  it('recognises hello, thanks and bye in every language, but not a question that starts with them', () => {
    expect(recogniseSmallTalk('Hello!', en)).toBe('hello');
    expect(recogniseSmallTalk('thanks a lot', en)).toBe('thanks');
    expect(recogniseSmallTalk('bye', en)).toBe('bye');
    expect(recogniseSmallTalk('olá', pt)).toBe('hello');
    expect(recogniseSmallTalk('Obrigado!', pt)).toBe('thanks');
    expect(recogniseSmallTalk('tchau', pt)).toBe('bye');
    expect(recogniseSmallTalk('cześć', pl)).toBe('hello');
    expect(recogniseSmallTalk('dzieki', pl)).toBe('thanks');
    expect(recogniseSmallTalk('pa', pl)).toBe('bye');
    expect(recogniseSmallTalk('hello, how do I reset my password?', en)).toBeUndefined();
    expect(recogniseSmallTalk('olá, como crio um usuário?', pt)).toBeUndefined();
  });
});
