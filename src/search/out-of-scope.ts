import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

/**
 * Generic questions no support knowledge base answers: small talk, general knowledge, other
 * companies' products, everyday errands. Self-calibration uses them as the "must not answer"
 * side, next to the knowledge base's own alternative questions, so a new knowledge base without
 * a labelled dev set still gets thresholds that refuse to guess. Written for tierdesk (not taken
 * from any data set); a knowledge base can add its own in `<knowledge>/out-of-scope/<lang>.yaml`.
 */
export const GENERIC_OUT_OF_SCOPE: Readonly<Record<string, readonly string[]>> = {
  en: [
    'good morning, is anybody there?',
    'thanks a lot, have a nice weekend',
    'what is the meaning of life',
    'can you recommend a movie for tonight',
    'how tall is mount everest',
    'what will the weather be like on saturday',
    'who is the president of brazil',
    'how many calories are in a banana',
    'my washing machine is leaking water',
    'how do I cook rice without it sticking',
    'when does the next train to london leave',
    'book me a table for two at 8pm',
    'what is 12 times 17',
    'sing me a song',
    'are you a robot or a real person',
    'my cat keeps scratching the sofa, what can I do',
    'how do I renew my passport',
    'which phone should I buy this year',
    'my car makes a strange noise when braking',
    'how do I unblock a number on WhatsApp',
    'how do I delete my Instagram account',
    'my TV remote stopped working',
    'can you lend me some money',
    'where can I watch the champions league final',
    'what is a good name for a puppy',
    'how long should I boil an egg',
    'explain quantum physics in simple words',
    'what year did the second world war end',
    'how do I get a refund from my airline',
    'my internet provider is down again in my street',
    'how do I install a game on my playstation',
    'convert 30 degrees celsius to fahrenheit',
    'is it going to rain tomorrow in lisbon',
    'help me write a birthday message for my mother',
    'what are your opening hours on christmas day for the shop downstairs',
    'I want to order a pizza with extra cheese',
    'how do I remove a red wine stain from a carpet',
    'which vitamins are good against a cold',
    'translate good night into german',
    'what is the best programming language to learn first',
    'lol ok',
    'I am bored, entertain me',
    'how do I change the battery in my smoke detector',
    'recommend a hotel in krakow near the old town',
    'what is the distance between the earth and the moon',
  ],
  pt: [
    'bom dia, tem alguém aí?',
    'valeu, bom fim de semana pra você',
    'qual é o sentido da vida',
    'me indica um filme pra ver hoje à noite',
    'qual a altura do monte everest',
    'vai chover amanhã em são paulo?',
    'quem ganhou o jogo do flamengo ontem',
    'quantas calorias tem uma banana',
    'minha máquina de lavar está vazando água',
    'como faço arroz soltinho',
    'que horas sai o próximo ônibus pra campinas',
    'reserva uma mesa pra dois às 20h',
    'quanto é 12 vezes 17',
    'canta uma música pra mim',
    'você é um robô ou uma pessoa de verdade?',
    'meu gato arranha o sofá, o que eu faço',
    'como tiro a segunda via do meu RG',
    'qual celular vale a pena comprar esse ano',
    'meu carro faz um barulho estranho quando freio',
    'como desbloqueio um contato no whatsapp',
    'como excluo minha conta do instagram',
    'o controle remoto da TV parou de funcionar',
    'me empresta um dinheiro',
    'onde vai passar a final da libertadores',
    'sugere um nome para o meu cachorro',
    'quanto tempo cozinha um ovo',
    'me explica física quântica de um jeito simples',
    'em que ano acabou a segunda guerra mundial',
    'como peço reembolso da passagem aérea',
    'a internet da minha operadora caiu de novo',
    'como instalo um jogo no playstation',
    'converte 30 graus celsius para fahrenheit',
    'me ajuda a escrever uma mensagem de aniversário pra minha mãe',
    'quero pedir uma pizza de calabresa',
    'como tirar mancha de vinho do tapete',
    'qual vitamina é boa pra gripe',
    'como se diz boa noite em alemão',
    'qual a melhor linguagem de programação para começar',
    'kkkk ok',
    'to entediado, me distrai',
    'como troco a bateria do detector de fumaça',
    'me recomenda um hotel em lisboa perto do centro',
    'qual a distância da terra até a lua',
    'como declaro o imposto de renda',
    'o pix não caiu na conta do meu amigo',
  ],
  pl: [
    'dzień dobry, jest tam ktoś?',
    'dzięki wielkie, miłego weekendu',
    'jaki jest sens życia',
    'polecisz jakiś film na dzisiejszy wieczór',
    'ile metrów ma mount everest',
    'czy jutro będzie padać w warszawie',
    'kto wygrał wczoraj mecz legii',
    'ile kalorii ma banan',
    'pralka cieknie mi na podłogę',
    'jak ugotować ryż żeby się nie kleił',
    'o której jest następny pociąg do krakowa',
    'zarezerwuj stolik dla dwóch osób na 20',
    'ile to jest 12 razy 17',
    'zaśpiewaj mi piosenkę',
    'jesteś botem czy człowiekiem?',
    'kot drapie mi kanapę, co robić',
    'jak wyrobić nowy dowód osobisty',
    'jaki telefon warto kupić w tym roku',
    'samochód dziwnie piszczy przy hamowaniu',
    'jak odblokować numer na whatsappie',
    'jak usunąć konto na instagramie',
    'pilot do telewizora przestał działać',
    'pożyczysz mi trochę kasy',
    'gdzie obejrzę finał ligi mistrzów',
    'wymyśl imię dla szczeniaka',
    'ile minut gotować jajko na twardo',
    'wytłumacz mi fizykę kwantową prostymi słowami',
    'w którym roku skończyła się druga wojna światowa',
    'jak odzyskać pieniądze za odwołany lot',
    'znowu nie działa internet u mojego dostawcy',
    'jak zainstalować grę na playstation',
    'przelicz 30 stopni celsjusza na fahrenheita',
    'pomóż mi napisać życzenia urodzinowe dla mamy',
    'chcę zamówić pizzę z podwójnym serem',
    'jak sprać plamę z czerwonego wina z dywanu',
    'jakie witaminy na przeziębienie',
    'jak jest dobranoc po niemiecku',
    'jaki język programowania najlepiej zacząć',
    'hehe ok',
    'nudzi mi się, zabaw mnie',
    'jak wymienić baterię w czujniku dymu',
    'polecisz hotel w gdańsku blisko starówki',
    'jaka jest odległość z ziemi do księżyca',
    'jak złożyć PIT przez internet',
    'blik nie przeszedł, co teraz',
  ],
};

const extraSchema = z.object({ questions: z.array(z.string().trim().min(1)).default([]) });

/**
 * The generic set plus a knowledge base's own `out-of-scope/<lang>.yaml` files
 * (`questions: [...]`): a fourth language, or near-topic questions this product does not answer,
 * are data, not code. A bad file fails with its name.
 */
export async function loadOutOfScope(knowledgeDir: string): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = Object.fromEntries(Object.entries(GENERIC_OUT_OF_SCOPE).map(([language, texts]) => [language, [...texts]]));
  const dir = path.join(knowledgeDir, 'out-of-scope');
  if (!existsSync(dir)) return result;
  for (const name of (await readdir(dir)).filter((n) => /^[a-z]{2,3}\.ya?ml$/.test(n)).sort()) {
    const file = path.join(dir, name);
    const parsed = extraSchema.safeParse(YAML.parse(await readFile(file, 'utf8')) ?? {});
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    const language = name.replace(/\.ya?ml$/, '');
    result[language] = [...(result[language] ?? []), ...parsed.data.questions];
  }
  return result;
}
