// The new-chat chime, synthesised with the Web Audio API (no audio file to ship or fetch): two
// short sine notes, quiet enough for an open-plan office. The on/off choice is remembered in
// localStorage (it is not sensitive).

const STORAGE_KEY = 'tierdesk.agent.sound';

export class Chime {
  #context;

  get enabled() {
    return localStorage.getItem(STORAGE_KEY) !== 'off';
  }

  set enabled(on) {
    localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
  }

  /** Browsers only allow audio after a user gesture: call this from a click or key handler. */
  unlock() {
    if (this.#context === undefined) {
      const Context = globalThis.AudioContext ?? globalThis.webkitAudioContext;
      if (Context === undefined) return;
      this.#context = new Context();
    }
    if (this.#context.state === 'suspended') this.#context.resume().catch(() => undefined);
  }

  play() {
    if (!this.enabled || this.#context === undefined || this.#context.state !== 'running') return;
    const context = this.#context;
    const start = context.currentTime + 0.01;
    [
      [880, 0],
      [1318.5, 0.14],
    ].forEach(([frequency, offset]) => {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.2, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.35);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.4);
    });
  }
}
