import { describe, expect, test } from 'vitest';
import { formatBytes, formatMilliCpu, intValue, milliValue, parseQuantity, QuantityError, resourceAmount, tryParseQuantity } from '../../src/api/quantity.ts';

describe('parsing quantities', () => {
  test.each([
    { name: 'a millicore suffix is a thousandth of a unit', input: '100m', milli: 100, value: 0.1 },
    { name: 'a plain decimal is whole units', input: '1.5', milli: 1500, value: 1.5 },
    { name: 'a binary suffix multiplies by powers of 1024', input: '128Mi', milli: 134217728000, value: 134217728 },
    { name: 'a decimal SI suffix multiplies by powers of 1000', input: '1G', milli: 1e12, value: 1e9 },
    { name: 'a decimal exponent is accepted', input: '1e3', milli: 1e6, value: 1000 },
    { name: 'an upper-case exponent is an exponent, not exa, when digits follow', input: '1E3', milli: 1e6, value: 1000 },
    { name: 'a fraction of a binary unit is exact', input: '0.5Gi', milli: 536870912000, value: 536870912 },
    { name: 'a kibibyte is 1024 bytes', input: '1Ki', milli: 1024000, value: 1024 },
    { name: 'a leading dot is a fraction', input: '.5', milli: 500, value: 0.5 },
    { name: 'numbers are taken as they are', input: 2, milli: 2000, value: 2 },
  ])('$name ($input)', ({ input, milli, value }) => {
    expect(tryParseQuantity(input)).toEqual({ ok: true, value });
    expect(milliValue(input)).toBe(milli);
  });

  test.each([
    { name: 'two decimal points are refused', input: '1.2.3' },
    { name: 'words are refused', input: 'abc' },
    { name: 'a byte suffix that Kubernetes does not know is refused', input: '12Mb' },
    { name: 'the empty string is refused', input: '' },
    { name: 'surrounding whitespace is refused', input: ' 1' },
    { name: 'an upper-case K is not kilo', input: '1K' },
    { name: 'a bare exponent marker is refused', input: '1e' },
  ])('$name ($input)', ({ input }) => {
    const r = tryParseQuantity(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(() => parseQuantity(input)).toThrow(QuantityError);
  });
});

describe('rounding the way resource.Quantity does', () => {
  test.each([
    { name: 'milli values round up', input: '1.5m', milli: 2 },
    { name: 'binary floating point noise is not rounded up', input: '0.1', milli: 100 },
    { name: 'a nano value rounds up to one milli', input: '1n', milli: 1 },
  ])('$name', ({ input, milli }) => expect(milliValue(input)).toBe(milli));

  test.each([
    { name: 'whole values round up', input: '1500m', value: 2 },
    { name: 'exact values stay', input: '128Mi', value: 134217728 },
  ])('$name', ({ input, value }) => expect(intValue(input)).toBe(value));

  test('cpu is compared in millicores and everything else in units', () => {
    expect(resourceAmount('cpu', '250m')).toBe(250);
    expect(resourceAmount('memory', '1Gi')).toBe(1073741824);
  });
});

describe('formatting quantities as kubectl prints them', () => {
  test.each([
    { milli: 250, text: '250m' },
    { milli: 2000, text: '2' },
  ])('$milli millicores print as $text', ({ milli, text }) => expect(formatMilliCpu(milli)).toBe(text));

  test.each([
    { bytes: 134217728, text: '128Mi' },
    { bytes: 1000, text: '1000' },
    { bytes: 1536, text: '1536' },
  ])('$bytes bytes print as $text', ({ bytes, text }) => expect(formatBytes(bytes)).toBe(text));
});
