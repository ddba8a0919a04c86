// Passkeys on the hosted pages: sign in, the passkey answer of the second step, and adding one
// on /account. A file of its own (the CSP allows no inline script). It calls the users face's
// WebAuthn routes with the session cookie; the JSON options carry binary fields as base64url,
// converted here by hand (no library is shipped).
'use strict';
(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
    var bin = atob(b64 + '===='.slice(0, (4 - (b64.length % 4)) % 4));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }

  async function postJson(url, body) {
    var res = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body || {}),
    });
    if (!res.ok) throw new Error('status ' + res.status);
    return res.status === 204 ? null : res.json();
  }

  /** A credential in the JSON form the server reads (WebAuthn Level 3), around its encoded response. */
  function credentialJson(cred, response) {
    return {
      id: cred.id, rawId: toB64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: response,
    };
  }

  /** An assertion (navigator.credentials.get) for request options in their JSON form. */
  async function assertion(options) {
    var publicKey = Object.assign({}, options, { challenge: toBytes(options.challenge), allowCredentials: withIds(options.allowCredentials) });
    var cred = await navigator.credentials.get({ publicKey: publicKey });
    var r = cred.response;
    return credentialJson(cred, {
      clientDataJSON: toB64url(r.clientDataJSON), authenticatorData: toB64url(r.authenticatorData),
      signature: toB64url(r.signature), userHandle: r.userHandle ? toB64url(r.userHandle) : undefined,
    });
  }

  /** A new credential (navigator.credentials.create) for creation options in their JSON form. */
  async function attestation(options) {
    var publicKey = Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
      excludeCredentials: withIds(options.excludeCredentials),
    });
    var cred = await navigator.credentials.create({ publicKey: publicKey });
    var r = cred.response;
    return credentialJson(cred, {
      clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : [],
    });
  }

  /** Shows a failure in the block's role="alert" element (a cancelled prompt is a failure too). */
  function failed(box, text) {
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  /** Wires a button revealed only when passkeys can work here. */
  function wire(id, run) {
    var button = document.getElementById(id);
    if (!button) return;
    var block = button.closest('[data-passkey]') || button;
    block.hidden = false;
    button.addEventListener('click', async function () {
      var box = document.getElementById(id + '-error');
      if (box) box.hidden = true;
      button.disabled = true;
      try {
        await run(button);
      } catch (err) {
        failed(box, button.dataset.failure || 'That did not work. Try again.');
      } finally {
        button.disabled = false;
      }
    });
  }

  // /login: a discoverable-credential sign-in; the cookie backend sets the session.
  wire('passkey-login', async function (button) {
    var start = await postJson('/auth/webauthn/login/options', {});
    var credential = await assertion(start.options);
    await postJson('/auth/webauthn/login/verify', { flow_id: start.flow_id, credential: credential, backend: 'cookie' });
    window.location.assign(button.dataset.next || '/account');
  });

  // The second step of /login: the passkey's answer is posted with the step's own form.
  wire('passkey-step', async function (button) {
    var form = document.getElementById('mfa-form');
    var token = form.elements.namedItem('mfa_token').value;
    var options = await postJson('/auth/mfa/webauthn/options', { mfa_token: token });
    var answer = await assertion(options);
    form.elements.namedItem('webauthn').value = JSON.stringify(answer);
    form.elements.namedItem('code').required = false;
    form.submit();
  });

  // /account: register a new passkey for the signed-in person.
  wire('passkey-add', async function () {
    var options = await postJson('/auth/webauthn/register/options', {});
    var credential = await attestation(options);
    var name = (document.getElementById('passkey-name') || {}).value;
    await postJson('/auth/webauthn/register/verify', name ? { credential: credential, name: name } : { credential: credential });
    window.location.assign('/account?notice=passkey-added');
  });
})();
