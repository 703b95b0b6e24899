/** What the sign-in page shows. */
export interface SignInPageModel {
  /** Where the form posts. */
  action: string;
  /** Hidden fields the form must send back unchanged. */
  hidden: Readonly<Record<string, string>>;
  clientName: string;
  /** Username to prefill after a failed attempt. */
  username?: string;
  /** A message for the user after a failed attempt. */
  error?: string;
}

/** What the consent page shows. */
export interface ConsentPageModel {
  action: string;
  hidden: Readonly<Record<string, string>>;
  clientName: string;
  /** Who is signed in. */
  userName: string;
  /** The scopes asked for, with descriptions where the app gave them. */
  scopes: readonly { name: string; description?: string | undefined }[];
}

/** What the error page shows (errors that must not be redirected, RFC 6749 §4.1.2.1). */
export interface ErrorPageModel {
  error: string;
  description: string;
}

/** Replace any of the default pages with your own HTML. Escape what you interpolate. */
export interface PageRenderers {
  signIn(model: SignInPageModel): string;
  consent(model: ConsentPageModel): string;
  error(model: ErrorPageModel): string;
}

/** Escape text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--card:#fff;--text:#1d2330;--muted:#5b6475;--line:#d9dde5;--accent:#2f5bea;--accent-text:#fff;--danger:#b42318}
@media (prefers-color-scheme:dark){:root{--bg:#12151c;--card:#1b2029;--text:#e8ebf1;--muted:#a2aabb;--line:#313846;--accent:#6b8cff;--accent-text:#0b0f18;--danger:#ff8a80}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px}
main{width:100%;max-width:400px;background:var(--card);border:1px solid var(--line);border-radius:14px;padding:32px;box-shadow:0 8px 30px rgba(15,23,42,.08)}
h1{font-size:1.35rem;margin:0 0 4px}
p.lead{margin:0 0 24px;color:var(--muted)}
label{display:block;font-weight:600;font-size:.9rem;margin:16px 0 6px}
input[type=text],input[type=password]{width:100%;padding:10px 12px;border:1px solid var(--line);border-radius:8px;font:inherit;background:transparent;color:inherit}
input:focus-visible,button:focus-visible{outline:3px solid color-mix(in srgb,var(--accent) 45%,transparent);outline-offset:1px}
button{font:inherit;font-weight:600;border-radius:8px;padding:10px 16px;border:1px solid transparent;cursor:pointer}
.primary{background:var(--accent);color:var(--accent-text);width:100%;margin-top:24px}
.actions{display:flex;gap:12px;margin-top:24px}.actions button{flex:1}
.secondary{background:transparent;color:var(--text);border-color:var(--line)}
.error{background:color-mix(in srgb,var(--danger) 12%,transparent);color:var(--danger);border-radius:8px;padding:10px 12px;margin:0 0 8px}
ul.scopes{list-style:none;padding:0;margin:16px 0 0;border:1px solid var(--line);border-radius:10px}
ul.scopes li{padding:10px 14px;border-top:1px solid var(--line)}ul.scopes li:first-child{border-top:0}
ul.scopes strong{display:block;font-weight:600}ul.scopes code{display:block;font-size:.8rem;color:var(--muted)}
.who{color:var(--muted);font-size:.9rem;margin:20px 0 0}
.actions .primary{margin-top:0}
@media (max-width:480px){body{padding:12px}main{padding:24px 20px}}
`;

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>`;
}

function hiddenFields(hidden: Readonly<Record<string, string>>): string {
  return Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/** The default pages: server-rendered HTML, no scripts, no external resources. */
export const defaultPages: PageRenderers = {
  signIn(model) {
    const invalid = model.error ? ' aria-invalid="true" aria-describedby="sign-in-error"' : '';
    return layout(
      'Sign in',
      `<h1>Sign in</h1>
<p class="lead">to continue to <strong>${escapeHtml(model.clientName)}</strong></p>
${model.error ? `<p class="error" id="sign-in-error" role="alert">${escapeHtml(model.error)}</p>` : ''}
<form method="post" action="${escapeHtml(model.action)}">
${hiddenFields(model.hidden)}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${model.username ? '' : ' autofocus'}${invalid} value="${escapeHtml(model.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${model.username ? ' autofocus' : ''}${invalid}>
<button class="primary" type="submit">Sign in</button>
</form>`,
    );
  },
  consent(model) {
    const scopes = model.scopes.length
      ? `<ul class="scopes">${model.scopes.map((scope) => `<li><strong>${escapeHtml(scope.description ?? scope.name)}</strong>${scope.description ? `<code>${escapeHtml(scope.name)}</code>` : ''}</li>`).join('')}</ul>`
      : '<p>No special permissions are requested.</p>';
    return layout(
      'Authorize access',
      `<h1>Authorize ${escapeHtml(model.clientName)}</h1>
<p class="lead"><strong>${escapeHtml(model.clientName)}</strong> is asking to access your account with these permissions:</p>
${scopes}
<form method="post" action="${escapeHtml(model.action)}">
${hiddenFields(model.hidden)}
<div class="actions">
<button class="secondary" type="submit" name="decision" value="deny">Deny</button>
<button class="primary" type="submit" name="decision" value="approve">Approve</button>
</div>
</form>
<p class="who">Signed in as ${escapeHtml(model.userName)}</p>`,
    );
  },
  error(model) {
    return layout(
      'Authorization error',
      `<h1>Something is wrong with this request</h1>
<p class="lead">The application that sent you here made a request this server cannot accept, so you have not been sent back to it.</p>
<p class="error" role="alert"><code>${escapeHtml(model.error)}</code>: ${escapeHtml(model.description)}</p>`,
    );
  },
};
