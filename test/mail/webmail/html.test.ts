import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailFrameCsp, sanitiseMailHtml } from '../../../src/mail/webmail/html.ts';
import { HOSTILE } from './hostile-html.ts';

test('hostile HTML loses every script, handler, form, frame, SVG, meta refresh and dangerous URL', () => {
  for (const [name, html] of Object.entries(HOSTILE)) {
    const clean = sanitiseMailHtml(html, { allowRemoteImages: false }).html;
    for (const bad of [/<script/i, /\bon\w+\s*=/i, /javascript:/i, /expression\(/i, /<svg/i, /<form/i, /<input/i, /<button/i, /<meta/i, /<iframe/i, /<object/i, /<embed/i, /<base/i, /<link/i, /<style/i, /data:text/i, /data:image\/svg/i, /evil\.example/i, /tracker\.example/i]) {
      assert.doesNotMatch(clean, bad, `${name}: ${clean}`);
    }
  }
});

test('ordinary HTML mail keeps its look: tables, safe inline styles, links that open elsewhere, data: pictures', () => {
  const clean = sanitiseMailHtml('<table><tr><td style="color: #005eb8; padding: 4px">Ward 7</td></tr></table><a href="https://www.nhs.uk/">NHS</a><img src="data:image/png;base64,iVBORw0KGgo=" alt="chart">', { allowRemoteImages: false }).html;
  assert.match(clean, /<td style="color:#005eb8;padding:4px">Ward 7<\/td>/);
  assert.match(clean, /<a href="https:\/\/www.nhs.uk\/" target="_blank" rel="noopener noreferrer">NHS<\/a>/);
  assert.match(clean, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="chart" \/>/);
});

test('remote images are blocked and counted until the reader allows them, and then only over https', () => {
  const blocked = sanitiseMailHtml(HOSTILE.remoteImage, { allowRemoteImages: false });
  assert.equal(blocked.blockedImages, 2);
  assert.doesNotMatch(blocked.html, /src=/);
  assert.match(blocked.html, /alt="\[image: logo\]"/);
  const allowed = sanitiseMailHtml(HOSTILE.remoteImage, { allowRemoteImages: true });
  assert.match(allowed.html, /src="https:\/\/tracker.example\/pixel.gif"/);
  assert.doesNotMatch(allowed.html, /http:\/\/tracker/);
});

test("the frame's policy forbids scripts and every fetch but images as allowed", () => {
  assert.equal(mailFrameCsp(false), "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox");
  assert.match(mailFrameCsp(true), /img-src data: https:;/);
});
