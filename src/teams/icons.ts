import { encodePng, type RgbaImage } from './png.js';

type Point = readonly [number, number];
type Shape = (x: number, y: number) => boolean;

/** The speech bubble of the tierdesk icon, in unit coordinates (0..1 on both axes). */
const BUBBLE = { left: 0.14, top: 0.2, right: 0.86, bottom: 0.68, radius: 0.13 };
const TAIL: readonly Point[] = [
  [0.27, 0.62],
  [0.47, 0.62],
  [0.23, 0.86],
];
const DOTS: readonly Point[] = [
  [0.34, 0.44],
  [0.5, 0.44],
  [0.66, 0.44],
];
const DOT_RADIUS = 0.05;

function insideRoundedRect(x: number, y: number): boolean {
  const { left, top, right, bottom, radius } = BUBBLE;
  if (x < left || x > right || y < top || y > bottom) return false;
  const cx = Math.min(Math.max(x, left + radius), right - radius);
  const cy = Math.min(Math.max(y, top + radius), bottom - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function insideTriangle(x: number, y: number): boolean {
  const [a, b, c] = TAIL as [Point, Point, Point];
  const side = (p: Point, q: Point) => (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0]);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

const bubble: Shape = (x, y) => insideRoundedRect(x, y) || insideTriangle(x, y);
const dots: Shape = (x, y) => DOTS.some(([cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 <= DOT_RADIUS ** 2);

/** The bubble's border, `width` thick: inside the bubble but not inside it shrunk by `width`. */
function outlineOf(shape: Shape, width: number): Shape {
  const directions = Array.from({ length: 16 }, (_, i) => [Math.cos((i * Math.PI) / 8) * width, Math.sin((i * Math.PI) / 8) * width] as const);
  return (x, y) => shape(x, y) && directions.some(([dx, dy]) => !shape(x + dx, y + dy));
}

/** Renders layers (later ones on top) with 4×4 supersampling, so edges are smooth at 32 px too. */
function render(size: number, background: readonly [number, number, number, number], layers: { shape: Shape; rgb: readonly [number, number, number] }[]): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          let colour: readonly number[] = background;
          for (const layer of layers) if (layer.shape(x, y)) colour = [...layer.rgb, 255];
          const alpha = colour[3]! / 255;
          r += colour[0]! * alpha;
          g += colour[1]! * alpha;
          b += colour[2]! * alpha;
          a += alpha;
        }
      }
      const offset = (py * size + px) * 4;
      // Store straight (not premultiplied) colour, as PNG expects.
      pixels[offset] = a === 0 ? 0 : Math.round(r / a);
      pixels[offset + 1] = a === 0 ? 0 : Math.round(g / a);
      pixels[offset + 2] = a === 0 ? 0 : Math.round(b / a);
      pixels[offset + 3] = Math.round((a / (samples * samples)) * 255);
    }
  }
  return { width: size, height: size, pixels };
}

/** "#0b5cad" → [11, 92, 173]. */
export function parseHexColor(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) throw new Error(`"${hex}" is not a #rrggbb colour`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

const WHITE = [255, 255, 255] as const;

/** Teams' full-colour icon: 192×192, a white speech bubble on the accent colour. */
export function colorIconPng(accentHex: string): Buffer {
  const accent = parseHexColor(accentHex);
  return encodePng(render(192, [...accent, 255], [
    { shape: bubble, rgb: WHITE },
    { shape: dots, rgb: accent },
  ]));
}

/** Teams' outline icon: 32×32, white lines on a transparent background (Teams tints it). */
export function outlineIconPng(): Buffer {
  return encodePng(render(32, [0, 0, 0, 0], [
    { shape: outlineOf(bubble, 2.2 / 32), rgb: WHITE },
    { shape: dots, rgb: WHITE },
  ]));
}
