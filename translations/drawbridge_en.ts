<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>Drawbridge::AccountTableModel</name>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cooling down</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs login</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quota exhausted</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The upstream throttled this account. Drawbridge rests it until the cooldown ends and serves from other accounts meanwhile.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The refresh token was rejected (expired or signed out). Log in to Kiro again, then remove this account and import it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account has used up its monthly credits. It is used again after the quota resets.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The provider suspended this account, often after unusual traffic such as heavy pooling or high concurrency. Contact the provider; Drawbridge will not use it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The auth service or the keychain could not be reached. Drawbridge retries by itself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You disabled this account; enable it to serve requests again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1:%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (resets %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Slots in use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cooldown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credits used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credits left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::AccountsWidget</name>
    <message>
        <source>&amp;Import from Kiro IDE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Paste credentials…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Disable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Careful:&lt;/b&gt; pooling several accounts and running many requests at once is unusual traffic for the provider. It can get accounts throttled or suspended. Keep concurrency low and use accounts you are allowed to pool.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pooling warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status explanation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adds the account the Kiro IDE on this computer is logged in with</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Enable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import from Kiro IDE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Kiro IDE login could not be imported: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the credentials…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account was not added: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the account &quot;%1&quot; and delete its credentials from the keychain?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account yet. The Kiro IDE is logged in on this computer: click Import from Kiro IDE to use its account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Sign in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add an account by signing in with AWS Builder ID or IAM Identity Center</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in &amp;again…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the selected account a new login; it keeps its settings, slots and history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import from &amp;kiro-cli</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adds the account kiro-cli on this computer is logged in with</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account yet. The Kiro IDE and kiro-cli are logged in on this computer: click Import from Kiro IDE or Import from kiro-cli to use their accounts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account yet. kiro-cli is logged in on this computer: click Import from kiro-cli to use its account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account yet. Log in to the Kiro IDE or kiro-cli and import its login, sign in with AWS Builder ID, or add an account with its refresh token.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import from kiro-cli</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The kiro-cli login could not be imported: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::AddAccountDialog</name>
    <message>
        <source>Add Kiro account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste the credentials of a Kiro login. They are checked once with the auth service and then kept in the system keychain, never in the database.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Social login (Google, GitHub)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AWS IAM Identity Center / Builder ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Login method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Login method:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Refresh token:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client &amp;id:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client &amp;secret:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Concurrent requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>How many requests this account serves at once. Keep it low: high concurrency can get an account throttled or suspended.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Concurrent &amp;requests:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::ApiKeyTableModel</name>
    <message numerus="yes">
        <source>Uses the default limit of %n request(s) per minute</source>
        <translation>
            <numerusform>Uses the default limit of %n request per minute</numerusform>
            <numerusform>Uses the default limit of %n requests per minute</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (default)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>revoked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests/min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::ClientSnippets</name>
    <message>
        <source>Cursor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shell</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>curl</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Python</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JavaScript</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cursor → Settings → Models:
  OpenAI API Key: %1
  Override OpenAI Base URL: %2
  Add model: %3 (turn the other models off)
Cursor may send these requests from its own servers, which cannot reach 127.0.0.1; then the gateway needs a tunnel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>your Drawbridge key (db-…)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cline → Settings → API Configuration:
  API Provider: OpenAI Compatible
  Base URL: %1
  API Key: %2
  Model ID: %3</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::ConnectDialog</name>
    <message>
        <source>Create a &amp;new key named after the tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a key I &amp;have:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect a tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Tool:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>db-… (keys are shown only once, when they are created)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Existing client key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>File:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The change to the tool&apos;s config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the change shown above; the original file is kept as a backup</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the tool&apos;s config back as it was before Drawbridge changed it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This change will be made:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tool &amp;config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>OpenAI base URL: %1
Anthropic base URL: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>C&amp;lient:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Snippets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not possible: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste a Drawbridge client key (db-…), or let Drawbridge create one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to change: %1 already uses this gateway with this key.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The current file is kept as a backup for Undo.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The file does not exist yet; Undo removes it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 now uses Drawbridge (%2). Restart it if it is running.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1&apos;s config is back as it was before.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::CreateKeyDialog</name>
    <message>
        <source>Expires after</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Create key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New client key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. laptop-vscode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> per minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests per minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Rate limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All models (or a comma-separated list)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowed models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Models:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expiry in days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expiry:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Copy this key now.&lt;/b&gt; It is shown only once; Drawbridge keeps just a hash.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cop&amp;y key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>For OpenAI clients (shell):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Environment snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy &amp;snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give the key a name so you can tell it apart later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key could not be created: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::DesktopShell</name>
    <message>
        <source>Drawbridge is still running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The gateway keeps serving from the tray. Choose Quit in the tray menu to stop it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::EmptyHint</name>
    <message>
        <source>What to do next</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::KeyLimitsTableModel</name>
    <message>
        <source>Double-click to edit; 0 uses the default (%1 per minute)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (default)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>in %n s</source>
        <translation>
            <numerusform>in %n s</numerusform>
            <numerusform>in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Limit (requests/min)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Used in window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remaining</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next slot</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::KeysWidget</name>
    <message>
        <source>&amp;New key…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create a new client key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke the selected key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke the key &quot;%1&quot; (%2)? Clients using it are refused from the next request on. This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The key could not be revoked: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client keys let IDE tools and scripts use the gateway. Each key has its own rate limit and may be limited to some models. Double-click a name, limit or model list to edit it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No client key yet. Click New key… to make one, or Connect a tool… (top right) to set up Claude Code, Codex, opencode or Continue with a new key.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::LimitsWidget</name>
    <message numerus="yes">
        <source>Every key may send at most its limit of requests in any 60-second window. The default is &lt;b&gt;%n request(s) per minute&lt;/b&gt; (&lt;tt&gt;limits.default_rpm&lt;/tt&gt; in drawbridge.toml). Double-click a limit to change it; 0 means the default.</source>
        <translation>
            <numerusform>Every key may send at most its limit of requests in any 60-second window. The default is &lt;b&gt;%n request per minute&lt;/b&gt; (&lt;tt&gt;limits.default_rpm&lt;/tt&gt; in drawbridge.toml). Double-click a limit to change it; 0 means the default.</numerusform>
            <numerusform>Every key may send at most its limit of requests in any 60-second window. The default is &lt;b&gt;%n requests per minute&lt;/b&gt; (&lt;tt&gt;limits.default_rpm&lt;/tt&gt; in drawbridge.toml). Double-click a limit to change it; 0 means the default.</numerusform>
        </translation>
    </message>
    <message>
        <source>Rate limits per key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No client key yet: each key&apos;s limit shows here once the Keys tab has one.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::LogWidget</name>
    <message>
        <source>All requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Successful</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate limited</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear the log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recent requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Last %n request(s), newest first</source>
        <translation>
            <numerusform>Last %n request, newest first</numerusform>
            <numerusform>Last %n requests, newest first</numerusform>
        </translation>
    </message>
    <message>
        <source>No request yet. Requests show here as they finish; copy the base URL from the tray or use Connect a tool… to point a client here.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::MainWindow</name>
    <message>
        <source>Drawbridge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Usage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>L&amp;og</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drawbridge sections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gateway status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>draining</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>listening</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 on %2 · %3 of %4 accounts usable · %5/%6 slots free · %7 in flight · %8 queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect a &amp;tool…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Point Claude Code, Codex, opencode or Continue at this gateway, or copy a snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keychain problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No system keychain: account credentials cannot be saved and the admin token lasts for this run only. Install and unlock a Secret Service keyring (GNOME Keyring or KeePassXC with Secret Service enabled) and restart Drawbridge, or set DRAWBRIDGE_ADMIN_TOKEN. (%1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::RequestLogModel</name>
    <message>
        <source>%1 ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens in / out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credits</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::SettingsEditor</name>
    <message>
        <source>Change settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> per minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drop the oldest turns of a conversation too long for Kiro</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sa&amp;ve</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Res&amp;tart now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any free port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none (browsers are refused); e.g. http://localhost:3000</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>from HTTPS_PROXY; or http://host:port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Listen on host:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default rate limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queue timeout:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Slots per account:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CORS origins:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep usage records:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>History:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Upstream proxy:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is saved with --ephemeral.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The host must be an IP address such as 127.0.0.1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an origin such as http://localhost:3000.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>host</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>upstream proxy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>usage retention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved to %1 and in effect now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved to %1. Restart needed for: %2. Everything else is in effect now.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::SettingsWidget</name>
    <message>
        <source>Re&amp;veal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Host / port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 : %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CORS origins:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none (browsers are refused)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Request timeout:</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation>
            <numerusform>%n second</numerusform>
            <numerusform>%n seconds</numerusform>
        </translation>
    </message>
    <message>
        <source>Accounts and limits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Slots per account:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default rate limit:</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) per minute</source>
        <translation>
            <numerusform>%n request per minute</numerusform>
            <numerusform>%n requests per minute</numerusform>
        </translation>
    </message>
    <message>
        <source>Queue:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>up to %1 requests, %2 s timeout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Storage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in memory (--ephemeral: nothing is kept)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data directory:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage retention:</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n day</numerusform>
            <numerusform>%n days</numerusform>
        </translation>
    </message>
    <message>
        <source>Keychain:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unavailable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin API</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the admin token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reveal the admin token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Hide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin token:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>These settings come from the config file, the environment and the command line. Change them in %1 and restart Drawbridge.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the environment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>drawbridge.toml</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, any free port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the &amp;OpenAI base URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the A&amp;nthropic base URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Base URLs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not used (--ephemeral keeps secrets in memory)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start Drawbridge when I log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Launch at login:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> credits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Low-credit warning threshold</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Warn when an account has less than:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the config &amp;file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the &amp;data folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Files:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the &amp;logs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No log file: --ephemeral writes nothing to disk</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::SignInDialog</name>
    <message>
        <source>&amp;Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open the sign-in page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to Kiro</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>AWS Builder ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>IAM Identity Center (organisation)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign-in method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>https://my-company.awsapps.com/start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Region</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. work</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Method:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;tart URL:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Region:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drawbridge shows a code; confirm it on the page that opens, and the account is added.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your organisation&apos;s start URL (https://…/start).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asking for a code…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirm the code %1 on the page that opened (%2). Waiting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in. Adding the account…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in, but the account was not added: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drawbridge shows a code; confirm it on the page that opens, and the account &quot;%1&quot; uses the new login. Its settings and history stay.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in, but the account kept its old login: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in. Updating the account…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Google (Kiro social login)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GitHub (Kiro social login)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address the browser ended on</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Browser ended on:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the sign-in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in with %1 on the page that opened. The browser then ends on an address starting with kiro:// (it may say it cannot open it, or offer the Kiro IDE: decline). Copy that whole address from the address bar, paste it above and click Finish.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::TrayIcon</name>
    <message>
        <source>&amp;Open Drawbridge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy &amp;base URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy a &amp;new client key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finish the requests in flight and refuse new ones</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Idle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Serving requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: the system keychain is unavailable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drawbridge</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Base URL copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tray key %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No key was created: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New client key &quot;%1&quot; copied. It is shown only this once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume serving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept new requests again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect a &amp;tool…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Stop serving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Busy: every slot is in use, new requests wait</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate limited: every account is cooling down or out of credits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: no account can serve (sign in again on the Accounts tab)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping: finishing requests in flight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped: not accepting requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set up: add a Kiro account to start serving</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused: every account is paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2 slots free</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 credits left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drawbridge — %1
%2
%3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No account yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2 credits left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uncheck to pause this account; its requests go to the others</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The account was not changed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account &quot;%1&quot; has %2 credits left.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::UsageSeriesModel</name>
    <message>
        <source>Day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prompt tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Completion tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credits</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Drawbridge::UsageWidget</name>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 24 hours (hourly)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 7 days (hourly)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 30 days (daily)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last 90 days (daily)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time range</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Range:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export usage as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage totals</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage chart</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage per period</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage could not be read: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 requests, %2 errors, %3 prompt / %4 completion tokens, %5 credits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export usage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split the requests by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;plit by:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All requests</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No usage in this range yet. Requests through the gateway are counted here per hour or day, with the credits they used.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
