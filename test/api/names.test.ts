import { describe, expect, test } from 'vitest';
import {
  GENERATE_NAME_MAX_BASE_LENGTH, NAME_ALPHABET, generateNameSuffix, isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain,
  isLabelValue, isQualifiedName, isValidPortName, nameIsDNSSubdomain, nameIsPathSegment, regexError,
} from '../../src/api/names.ts';

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const KEY_NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('DNS-1123 subdomains (the names of most objects, pods included)', () => {
  test.each([
    { name: 'a simple name is valid', value: 'web-1', errors: [] },
    { name: 'dots separate labels', value: 'example.com', errors: [] },
    { name: 'upper case is refused', value: 'Foo', errors: [SUBDOMAIN_MSG] },
    { name: 'a leading dash is refused', value: '-web', errors: [SUBDOMAIN_MSG] },
    { name: 'underscores are refused', value: 'my_pod', errors: [SUBDOMAIN_MSG] },
    { name: 'the empty name is refused', value: '', errors: [SUBDOMAIN_MSG] },
    { name: '253 characters are allowed', value: 'a'.repeat(253), errors: [] },
    { name: '254 characters are too many', value: 'a'.repeat(254), errors: ['must be no more than 253 characters'] },
  ])('$name', ({ value, errors }) => expect(isDNS1123Subdomain(value)).toEqual(errors));
});

describe('DNS-1123 labels (namespaces and container names)', () => {
  test.each([
    { name: 'a simple label is valid', value: 'app', errors: [] },
    { name: 'a label may start with a digit', value: '123-abc', errors: [] },
    { name: 'a dotted name is told it contains dots', value: 'a.b', errors: ['must not contain dots'] },
    { name: 'upper case gets the label message', value: 'App', errors: [LABEL_MSG] },
    { name: '64 characters are too many', value: 'a'.repeat(64), errors: ['must be no more than 63 characters'] },
    { name: 'too long and badly formed report both', value: `${'a'.repeat(63)}-`, errors: ['must be no more than 63 characters', LABEL_MSG] },
  ])('$name', ({ value, errors }) => expect(isDNS1123Label(value)).toEqual(errors));
});

describe('DNS-1035 labels (service names)', () => {
  test.each([
    { name: 'a name starting with a letter is valid', value: 'web', errors: [] },
    { name: 'a name starting with a digit is refused', value: '1web', errors: [DNS1035_MSG] },
  ])('$name', ({ value, errors }) => expect(isDNS1035Label(value)).toEqual(errors));
});

describe('label keys and values', () => {
  test.each([
    { name: 'a plain key is valid', value: 'app', errors: [] },
    { name: 'a prefixed key is valid', value: 'app.kubernetes.io/name', errors: [] },
    { name: 'upper case is fine in the name part', value: 'MyKey', errors: [] },
    { name: 'an empty prefix is refused', value: '/name', errors: ['prefix part must be non-empty'] },
    { name: 'an invalid prefix is reported as the prefix', value: 'Example.com/name', errors: [`prefix part ${SUBDOMAIN_MSG}`] },
    { name: 'an empty name part is refused', value: 'example.com/', errors: ['name part must be non-empty', KEY_NAME_MSG] },
    { name: 'a space is refused', value: 'a b', errors: [KEY_NAME_MSG] },
    { name: 'a 64 character name part is too long', value: 'a'.repeat(64), errors: ['name part must be no more than 63 characters'] },
    {
      name: 'two slashes are refused as a whole',
      value: 'a/b/c',
      errors: ["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
    },
  ])('key: $name', ({ value, errors }) => expect(isQualifiedName(value)).toEqual(errors));

  test.each([
    { name: 'the empty value is valid', value: '', errors: [] },
    { name: 'mixed case with dots and underscores is valid', value: 'My_value.1', errors: [] },
    { name: 'a trailing dash is refused', value: 'v-', errors: [VALUE_MSG] },
    { name: '64 characters are too many', value: 'v'.repeat(64), errors: ['must be no more than 63 characters'] },
  ])('value: $name', ({ value, errors }) => expect(isLabelValue(value)).toEqual(errors));
});

describe('other upstream formats', () => {
  test('regex errors without examples only name the regex', () => {
    expect(regexError('bad', 'x+')).toBe("bad (regex used for validation is 'x+')");
  });

  test.each([
    { name: 'a config key may use upper case and underscores', value: 'KEY_name.1', errors: [] },
    { name: 'a config key may not be ..', value: '..', errors: ["must not be '..'"] },
    { name: 'a config key may not contain a space', value: 'a b', errors: ["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"] },
  ])('$name', ({ value, errors }) => expect(isConfigMapKey(value)).toEqual(errors));

  test.each([
    { name: 'an IANA service name is valid', value: 'http', errors: [] },
    { name: 'a port name needs a letter', value: '80', errors: ['must contain at least one letter (a-z)'] },
    { name: 'a port name may not have consecutive hyphens', value: 'a--b', errors: ['must not contain consecutive hyphens'] },
    { name: 'a port name is at most 15 characters', value: 'abcdefghijklmnop', errors: ['must be no more than 15 characters'] },
  ])('$name', ({ value, errors }) => expect(isValidPortName(value)).toEqual(errors));

  test.each([
    { name: 'a generateName may end with a dash', value: 'web-', prefix: true, errors: [] },
    { name: 'a name may not end with a dash', value: 'web-', prefix: false, errors: [SUBDOMAIN_MSG] },
  ])('$name', ({ value, prefix, errors }) => expect(nameIsDNSSubdomain(value, prefix)).toEqual(errors));

  test.each([
    { name: 'RBAC names may use colons and upper case', value: 'system:Node', errors: [] },
    { name: 'RBAC names may not contain a slash', value: 'a/b', errors: ["may not contain '/'"] },
    { name: 'RBAC names may not be ..', value: '..', errors: ["may not be '..'"] },
  ])('$name', ({ value, errors }) => expect(nameIsPathSegment(value, false)).toEqual(errors));
});

describe('generateName resolution', () => {
  test.each([
    { name: 'a short base keeps all of it', base: 'web-7d4b9c-', random: 'x2k9p', expected: 'web-7d4b9c-x2k9p' },
    { name: 'a long base is cut to 58 characters', base: 'a'.repeat(70), random: 'bcdfg', expected: `${'a'.repeat(58)}bcdfg` },
    { name: 'a 58 character base is kept whole', base: 'b'.repeat(58), random: '22222', expected: `${'b'.repeat(58)}22222` },
  ])('$name', ({ base, random, expected }) => {
    const name = generateNameSuffix(base, random);
    expect(name).toBe(expected);
    expect(name.length).toBeLessThanOrEqual(GENERATE_NAME_MAX_BASE_LENGTH + 5);
  });

  test('the caller must pass exactly five random characters', () => {
    expect(() => generateNameSuffix('web-', 'abc')).toThrow(/5 random characters/);
  });

  test('the alphabet has no vowels and no confusable digits', () => {
    expect(NAME_ALPHABET).toBe('bcdfghjklmnpqrstvwxz2456789');
    expect(NAME_ALPHABET).not.toMatch(/[aeiou013]/);
  });
});
