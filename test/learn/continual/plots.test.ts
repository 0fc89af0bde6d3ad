/** The plot primitives: valid PNGs of the requested size, and pixels where the data says. */
import { describe, expect, it } from 'vitest';
import { barChart, Canvas, heatMap, lineChart, ramp } from '../../../host/learn/plots/canvas.js';
import { checkPng } from './png.js';

const pixel = (raw: Buffer, width: number, x: number, y: number) => {
  const o = y * (width * 3 + 1) + 1 + x * 3;
  return [raw[o], raw[o + 1], raw[o + 2]];
};

describe('plots', () => {
  it('heat map: one cell per entry, coloured by value', () => {
    const png = checkPng(Buffer.from(heatMap([[0, 1], [0.5, 0]], 10).png()));
    expect([png.width, png.height, png.channels]).toEqual([21, 21, 3]);
    expect(pixel(png.raw, 21, 5, 5)).toEqual([...ramp(0)]);
    expect(pixel(png.raw, 21, 15, 5)).toEqual([...ramp(1)]);
    expect(pixel(png.raw, 21, 5, 15)).toEqual([...ramp(0.5)]);
  });

  it('line chart and bar chart: sizes, a drawn series, white background elsewhere', () => {
    const lc = checkPng(Buffer.from(lineChart([{ y: [0, 1], colour: [255, 0, 0] }], { xMax: 2, width: 100, height: 50 }).png()));
    expect([lc.width, lc.height]).toEqual([100, 50]);
    let red = 0;
    for (let y = 0; y < 50; y++) for (let x = 0; x < 100; x++) if (pixel(lc.raw, 100, x, y).join() === '255,0,0') red++;
    expect(red).toBeGreaterThan(40);
    const bc = checkPng(Buffer.from(barChart([0, 5, 10], [0, 0, 255], { width: 32, height: 20 }).png()));
    expect(pixel(bc.raw, 32, 26, 5)).toEqual([0, 0, 255]); // the tallest bar
    expect(pixel(bc.raw, 32, 4, 5)).toEqual([255, 255, 255]); // the empty bin
  });

  it('rejects impossible sizes', () => {
    expect(() => new Canvas(0, 5)).toThrow(RangeError);
  });
});
