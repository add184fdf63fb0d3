import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { splitPem } from './index';

const block = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;

describe('splitPem', () => {
  it('returns certificates in order and the first private key block', () => {
    const text = [
      'subject=CN=ignored text between blocks',
      block('CERTIFICATE', 'QUFB'),
      block('PRIVATE KEY', 'S0VZMQ=='),
      block('CERTIFICATE', 'QkJC'),
      block('EC PRIVATE KEY', 'S0VZMg=='),
      '',
    ].join('\n');
    const r = splitPem(text);
    assert.deepEqual(r.certificates, [block('CERTIFICATE', 'QUFB') + '\n', block('CERTIFICATE', 'QkJC') + '\n']);
    assert.equal(r.privateKey, block('PRIVATE KEY', 'S0VZMQ==') + '\n');
  });

  it('recognizes encrypted and PKCS#1 private keys and CRLF files', () => {
    assert.equal(splitPem(block('ENCRYPTED PRIVATE KEY', 'WA==')).privateKey, block('ENCRYPTED PRIVATE KEY', 'WA==') + '\n');
    const crlf = (block('CERTIFICATE', 'QUFB') + '\n' + block('RSA PRIVATE KEY', 'WQ==')).replace(/\n/g, '\r\n');
    const r = splitPem(crlf);
    assert.deepEqual(r.certificates, [block('CERTIFICATE', 'QUFB') + '\n']);
    assert.equal(r.privateKey, block('RSA PRIVATE KEY', 'WQ==') + '\n');
  });

  it('has no privateKey property when there is none, and ignores other blocks', () => {
    const r = splitPem(block('PUBLIC KEY', 'UA==') + '\n' + block('CERTIFICATE', 'QUFB'));
    assert.deepEqual(r, { certificates: [block('CERTIFICATE', 'QUFB') + '\n'] });
    assert.equal('privateKey' in r, false);
    assert.deepEqual(splitPem('no pem here'), { certificates: [] });
  });

  it('does not pair mismatched BEGIN/END labels', () => {
    assert.deepEqual(splitPem('-----BEGIN CERTIFICATE-----\nQUFB\n-----END PRIVATE KEY-----\n'), { certificates: [] });
  });
});
