/**
 * A tiny rasteriser on an RGBA buffer: rectangles, ellipses, rings, polygons, thick lines and
 * gradients, plus the whole-image filters the demo's conditions need (noise, fog, night, blur).
 * No anti-aliasing: a pixel is painted when its centre falls inside the shape, which keeps every
 * result an exact function of the inputs. Colours are `[r, g, b]` in 0-255.
 */

export class Canvas {
  /** @param {number} width @param {number} height */
  constructor(width, height) {
    this.width = width;
    this.height = height;
    // Clamped, so filters that overshoot saturate instead of wrapping round.
    this.data = new Uint8ClampedArray(width * height * 4).fill(255);
    /** Painting is limited to [left, top, right, bottom) while a clip is set. */
    this.clip = [0, 0, width, height];
  }

  /** Runs `paint` with drawing cut to the xywh `box`, so a shape never spills past its true box. */
  clipped([x, y, width, height], paint) {
    this.clip = [
      Math.max(0, x),
      Math.max(0, y),
      Math.min(this.width, x + width),
      Math.min(this.height, y + height),
    ];
    try {
      paint();
    } finally {
      this.clip = [0, 0, this.width, this.height];
    }
  }

  /** Paints the pixels of row `y` whose centres lie in [left, right). */
  span(y, left, right, color) {
    const [clipLeft, clipTop, clipRight, clipBottom] = this.clip;
    if (y < clipTop || y >= clipBottom) return;
    const start = Math.max(clipLeft, Math.ceil(left - 0.5));
    const end = Math.min(clipRight, Math.ceil(right - 0.5));
    const data = this.data;
    for (let x = start, offset = (y * this.width + start) * 4; x < end; x++, offset += 4) {
      data[offset] = color[0];
      data[offset + 1] = color[1];
      data[offset + 2] = color[2];
    }
  }

  /** Rows whose centres lie in [top, bottom), cut to the canvas. */
  rows(top, bottom) {
    return [Math.max(0, Math.ceil(top - 0.5)), Math.min(this.height, Math.ceil(bottom - 0.5))];
  }

  fillRect(x, y, width, height, color) {
    const [first, last] = this.rows(y, y + height);
    for (let row = first; row < last; row++) this.span(row, x, x + width, color);
  }

  /** Ellipse centred at (cx, cy) with radii rx, ry. */
  fillEllipse(cx, cy, rx, ry, color) {
    const [first, last] = this.rows(cy - ry, cy + ry);
    for (let row = first; row < last; row++) {
      const t = (row + 0.5 - cy) / ry;
      const half = rx * Math.sqrt(Math.max(0, 1 - t * t));
      this.span(row, cx - half, cx + half, color);
    }
  }

  /** Outline of an ellipse, `thickness` pixels wide, drawn inwards from the radii. */
  ring(cx, cy, rx, ry, thickness, color) {
    const innerX = Math.max(0, rx - thickness);
    const innerY = Math.max(0, ry - thickness);
    const [first, last] = this.rows(cy - ry, cy + ry);
    for (let row = first; row < last; row++) {
      const t = (row + 0.5 - cy) / ry;
      const outer = rx * Math.sqrt(Math.max(0, 1 - t * t));
      const u = innerY > 0 ? (row + 0.5 - cy) / innerY : 2;
      const inner = Math.abs(u) < 1 ? innerX * Math.sqrt(1 - u * u) : 0;
      if (inner <= 0) this.span(row, cx - outer, cx + outer, color);
      else {
        this.span(row, cx - outer, cx - inner, color);
        this.span(row, cx + inner, cx + outer, color);
      }
    }
  }

  /** Polygon from `[x, y]` points, filled by the even-odd rule. */
  fillPolygon(points, color) {
    const ys = points.map((point) => point[1]);
    const [first, last] = this.rows(Math.min(...ys), Math.max(...ys));
    const crossings = [];
    for (let row = first; row < last; row++) {
      const centre = row + 0.5;
      crossings.length = 0;
      for (let index = 0; index < points.length; index++) {
        const [ax, ay] = points[index];
        const [bx, by] = points[(index + 1) % points.length];
        if (ay <= centre !== by <= centre) crossings.push(ax + ((centre - ay) * (bx - ax)) / (by - ay));
      }
      crossings.sort((a, b) => a - b);
      for (let pair = 0; pair + 1 < crossings.length; pair += 2) {
        this.span(row, crossings[pair], crossings[pair + 1], color);
      }
    }
  }

  /** Straight segment `thickness` pixels wide, drawn as a quadrilateral. */
  line(x0, y0, x1, y1, thickness, color) {
    const length = Math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2);
    if (length === 0) return;
    const nx = ((y0 - y1) / length) * (thickness / 2);
    const ny = ((x1 - x0) / length) * (thickness / 2);
    this.fillPolygon(
      [
        [x0 + nx, y0 + ny],
        [x1 + nx, y1 + ny],
        [x1 - nx, y1 - ny],
        [x0 - nx, y0 - ny],
      ],
      color,
    );
  }

  /** Rows [top, bottom) blended linearly from `topColor` to `bottomColor`. */
  verticalGradient(top, bottom, topColor, bottomColor) {
    const [first, last] = this.rows(top, bottom);
    for (let row = first; row < last; row++) {
      const t = last - first > 1 ? (row - first) / (last - first - 1) : 0;
      this.span(row, 0, this.width, mix(topColor, bottomColor, t));
    }
  }

  /**
   * Adds grey noise of up to ±`amplitude` to rows [top, bottom). Values come from a fixed noise table
   * read from an offset chosen by `seed`, which is many times faster than hashing every pixel.
   */
  addNoise(amplitude, seed, top = 0, bottom = this.height) {
    const data = this.data;
    const table = noiseTable(amplitude);
    const first = Math.max(0, top) * this.width;
    const last = Math.min(this.height, bottom) * this.width;
    let cursor = (seed >>> 0) % table.length;
    for (let pixel = first, offset = first * 4; pixel < last; pixel++, offset += 4) {
      const delta = table[cursor];
      if (++cursor === table.length) cursor = 0;
      data[offset] += delta;
      data[offset + 1] += delta;
      data[offset + 2] += delta;
    }
  }

  /** Maps every pixel's colour through `transform(r, g, b, x, y) -> [r, g, b]`. */
  mapPixels(transform) {
    const data = this.data;
    for (let y = 0; y < this.height; y++) {
      for (let x = 0, offset = y * this.width * 4; x < this.width; x++, offset += 4) {
        const [r, g, b] = transform(data[offset], data[offset + 1], data[offset + 2], x, y);
        data[offset] = r;
        data[offset + 1] = g;
        data[offset + 2] = b;
      }
    }
  }

  /**
   * Box blur of `radius` pixels, run twice in each direction, which approaches a Gaussian. Edges
   * repeat the border pixel, so the image does not darken at its frame.
   */
  blur(radius) {
    for (let pass = 0; pass < 2; pass++) {
      blurLines(this.data, this.height, this.width, 4, this.width * 4, radius);
      blurLines(this.data, this.width, this.height, this.width * 4, 4, radius);
    }
  }
}

/** A prime length, so the table's repeats never line up with image rows into visible stripes. */
const NOISE_TABLE_LENGTH = 65521;
const noiseTables = new Map();

/** Whole-number noise uniform in [-amplitude, amplitude], from an integer hash so it is the same everywhere. */
function noiseTable(amplitude) {
  if (noiseTables.has(amplitude)) return noiseTables.get(amplitude);
  const table = new Int16Array(NOISE_TABLE_LENGTH);
  for (let index = 0; index < NOISE_TABLE_LENGTH; index++) {
    let hash = Math.imul(index + 0x9e3779b9, 0x85ebca6b);
    hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
    hash = (hash ^ (hash >>> 16)) >>> 0;
    table[index] = Math.round(((hash / 0xffffffff) * 2 - 1) * amplitude);
  }
  noiseTables.set(amplitude, table);
  return table;
}

/** Linear blend of two colours; `t` = 0 gives `a`. */
export function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Colour scaled by `factor` (below 1 darkens), for shading a shape's sides. */
export function shade(color, factor) {
  return [color[0] * factor, color[1] * factor, color[2] * factor];
}

/**
 * Running-sum box blur along `count` lines of `length` pixels each; `step` moves along a line and
 * `stride` from one line to the next, so the same loop serves rows and columns.
 */
function blurLines(data, count, length, step, stride, radius) {
  const window = 2 * radius + 1;
  const line = new Float64Array(length);
  for (let index = 0; index < count; index++) {
    const base = index * stride;
    for (let channel = 0; channel < 3; channel++) {
      for (let i = 0; i < length; i++) line[i] = data[base + i * step + channel];
      let sum = 0;
      for (let i = -radius; i <= radius; i++) sum += line[Math.min(length - 1, Math.max(0, i))];
      for (let i = 0; i < length; i++) {
        data[base + i * step + channel] = sum / window;
        sum += line[Math.min(length - 1, i + radius + 1)] - line[Math.max(0, i - radius)];
      }
    }
  }
}
