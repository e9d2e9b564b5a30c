// Passkeys need the browser's WebAuthn API, so this is the one part of signing in that needs
// JavaScript; without it the buttons stay hidden and every other way still works.
const b64urlToBuf = (s) => {
  const pad = '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
};
const bufToB64url = (buf) => {
  let bin = '';
  for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

function csrf(el) {
  const input = el.querySelector('input[name="_csrf"]');
  return input ? input.value : '';
}

async function postJson(el, url, body) {
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf(el) },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || (res.status === 403 ? 'This page has expired. Reload it and try again.' : 'Something went wrong. Try again.'));
  return data;
}

function credentialJson(cred) {
  const r = cred.response;
  const out = { id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type, clientExtensionResults: cred.getClientExtensionResults(), response: {} };
  out.response.clientDataJSON = bufToB64url(r.clientDataJSON);
  if (r.attestationObject) {
    out.response.attestationObject = bufToB64url(r.attestationObject);
    out.response.transports = r.getTransports ? r.getTransports() : [];
  }
  if (r.authenticatorData) out.response.authenticatorData = bufToB64url(r.authenticatorData);
  if (r.signature) out.response.signature = bufToB64url(r.signature);
  if (r.userHandle) out.response.userHandle = bufToB64url(r.userHandle);
  if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
  return out;
}

function showError(el, message) {
  const box = el.querySelector('[data-passkey-error]');
  if (box) {
    box.textContent = message;
    box.hidden = false;
  }
}

async function signIn(el) {
  const mode = el.dataset.passkeySignIn;
  const options = await postJson(el, '/sign-in/passkey/options', { mode });
  options.challenge = b64urlToBuf(options.challenge);
  for (const c of options.allowCredentials || []) c.id = b64urlToBuf(c.id);
  const cred = await navigator.credentials.get({ publicKey: options });
  const done = await postJson(el, '/sign-in/passkey/finish', { mode, credential: credentialJson(cred), next: el.dataset.next || '/' });
  window.location.assign(done.redirect);
}

async function register(el) {
  const options = await postJson(el, '/account/mfa/passkeys/options', {});
  options.challenge = b64urlToBuf(options.challenge);
  options.user.id = b64urlToBuf(options.user.id);
  for (const c of options.excludeCredentials || []) c.id = b64urlToBuf(c.id);
  const cred = await navigator.credentials.create({ publicKey: options });
  const nameInput = el.querySelector('input[name="passkeyName"]');
  const done = await postJson(el, '/account/mfa/passkeys', { name: nameInput ? nameInput.value : '', credential: credentialJson(cred) });
  window.location.assign(done.redirect);
}

if (window.PublicKeyCredential) {
  for (const el of document.querySelectorAll('[data-passkey-sign-in], [data-passkey-register]')) {
    el.hidden = false;
    const button = el.querySelector('button');
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        if (el.dataset.passkeyRegister !== undefined) await register(el);
        else await signIn(el);
      } catch (err) {
        showError(el, err.name === 'NotAllowedError' ? 'The passkey was not used. Try again.' : err.message);
      } finally {
        button.disabled = false;
      }
    });
  }
}
