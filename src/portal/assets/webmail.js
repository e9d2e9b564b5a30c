// Webmail, better with JavaScript: moving between folders, pages and messages
// swaps the mail column in place instead of loading the whole page, and the
// recipient search suggests people as you type. Without this file every link
// and form still works as a normal page.
const main = () => document.getElementById('mail-main');

async function swapTo(url, push) {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
  if (!res.ok || !res.headers.get('content-type')?.includes('text/html')) {
    window.location.assign(url);
    return;
  }
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  const next = doc.getElementById('mail-main');
  const folders = doc.getElementById('mail-folders');
  if (!next || !main()) {
    window.location.assign(url);
    return;
  }
  main().replaceChildren(...next.childNodes);
  if (folders) document.getElementById('mail-folders')?.replaceChildren(...folders.childNodes);
  document.title = doc.title;
  if (push) history.pushState({ mail: true }, '', url);
  const heading = main().querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-mail-nav]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  event.preventDefault();
  swapTo(url.pathname + url.search, true).catch(() => window.location.assign(url.href));
});

window.addEventListener('popstate', () => {
  if (main()) swapTo(window.location.pathname + window.location.search, false).catch(() => window.location.reload());
});

// The recipient picker: suggestions from People Finder, with organisation and job title.
let timer = null;
document.addEventListener('input', (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.matches('[data-recipient-picker]')) return;
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const box = document.getElementById('picker-results');
    if (!box) return;
    const q = input.value.trim();
    if (q.length < 2) return box.replaceChildren();
    const res = await fetch(`/mail/recipients?q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
    if (!res.ok) return;
    const { people } = await res.json();
    const list = document.createElement('ul');
    list.className = 'nhsuk-list nhsuk-list--border caremail-people';
    for (const p of people) {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = `${p.name} – ${p.email} – ${p.jobTitle || 'No job title'}, ${p.organisation}`;
      const add = document.createElement('button');
      add.type = 'button';
      add.className = 'nhsuk-button nhsuk-button--secondary nhsuk-button--small';
      const hidden = document.createElement('span');
      hidden.className = 'nhsuk-u-visually-hidden';
      hidden.textContent = `: ${p.name}`;
      add.append('Add to To', hidden);
      add.addEventListener('click', () => {
        const to = document.getElementById('to');
        const current = to.value.trim().replace(/[,;]\s*$/, '');
        if (!current.toLowerCase().includes(p.email.toLowerCase())) to.value = current ? `${current}, ${p.email}` : p.email;
        to.focus();
      });
      li.append(text, ' ', add);
      list.append(li);
    }
    if (!people.length) {
      const li = document.createElement('li');
      li.textContent = 'No one matches. Check the spelling.';
      list.append(li);
    }
    box.replaceChildren(list);
  }, 250);
});
