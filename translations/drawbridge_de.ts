<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>Drawbridge::AccountTableModel</name>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Cooling down</source>
        <translation>Abkühlphase</translation>
    </message>
    <message>
        <source>Needs login</source>
        <translation>Anmeldung nötig</translation>
    </message>
    <message>
        <source>Quota exhausted</source>
        <translation>Kontingent aufgebraucht</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Gesperrt</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>The upstream throttled this account. Drawbridge rests it until the cooldown ends and serves from other accounts meanwhile.</source>
        <translation>Der Anbieter hat dieses Konto gedrosselt. Drawbridge pausiert es bis zum Ende der Abkühlphase und bedient Anfragen solange über andere Konten.</translation>
    </message>
    <message>
        <source>The refresh token was rejected (expired or signed out). Log in to Kiro again, then remove this account and import it again.</source>
        <translation>Das Refresh-Token wurde abgelehnt (abgelaufen oder abgemeldet). Melden Sie sich erneut bei Kiro an, entfernen Sie dann dieses Konto und importieren Sie es neu.</translation>
    </message>
    <message>
        <source>The account has used up its monthly credits. It is used again after the quota resets.</source>
        <translation>Das Konto hat seine monatlichen Credits aufgebraucht. Es wird nach dem Zurücksetzen des Kontingents wieder verwendet.</translation>
    </message>
    <message>
        <source>The provider suspended this account, often after unusual traffic such as heavy pooling or high concurrency. Contact the provider; Drawbridge will not use it.</source>
        <translation>Der Anbieter hat dieses Konto gesperrt, oft nach ungewöhnlichem Verkehr wie starkem Pooling oder hoher Parallelität. Wenden Sie sich an den Anbieter; Drawbridge verwendet es nicht.</translation>
    </message>
    <message>
        <source>The auth service or the keychain could not be reached. Drawbridge retries by itself.</source>
        <translation>Der Anmeldedienst oder der Schlüsselbund war nicht erreichbar. Drawbridge versucht es selbstständig erneut.</translation>
    </message>
    <message>
        <source>You disabled this account; enable it to serve requests again.</source>
        <translation>Sie haben dieses Konto deaktiviert; aktivieren Sie es, damit es wieder Anfragen bedient.</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>%1:%2</source>
        <translation>%1:%2</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>%1 (resets %2)</source>
        <translation>%1 (zurückgesetzt am %2)</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Slots in use</source>
        <translation>Belegte Slots</translation>
    </message>
    <message>
        <source>Cooldown</source>
        <translation>Abkühlung</translation>
    </message>
    <message>
        <source>Credits used</source>
        <translation>Verbrauchte Credits</translation>
    </message>
    <message>
        <source>Credits left</source>
        <translation>Verbleibende Credits</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Endpunkt</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
</context>
<context>
    <name>Drawbridge::AccountsWidget</name>
    <message>
        <source>&amp;Import from Kiro IDE</source>
        <translation>Aus Kiro-IDE &amp;importieren</translation>
    </message>
    <message>
        <source>&amp;Paste credentials…</source>
        <translation>Zugangsdaten ein&amp;fügen…</translation>
    </message>
    <message>
        <source>&amp;Disable</source>
        <translation>&amp;Deaktivieren</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>Ent&amp;fernen…</translation>
    </message>
    <message>
        <source>&lt;b&gt;Careful:&lt;/b&gt; pooling several accounts and running many requests at once is unusual traffic for the provider. It can get accounts throttled or suspended. Keep concurrency low and use accounts you are allowed to pool.</source>
        <translation>&lt;b&gt;Vorsicht:&lt;/b&gt; Mehrere Konten zu bündeln und viele Anfragen gleichzeitig zu senden, ist für den Anbieter ungewöhnlicher Verkehr. Konten können dadurch gedrosselt oder gesperrt werden. Halten Sie die Parallelität niedrig und bündeln Sie nur Konten, bei denen das erlaubt ist.</translation>
    </message>
    <message>
        <source>Pooling warning</source>
        <translation>Warnung zum Pooling</translation>
    </message>
    <message>
        <source>Upstream accounts</source>
        <translation>Anbieterkonten</translation>
    </message>
    <message>
        <source>Status explanation</source>
        <translation>Erklärung des Status</translation>
    </message>
    <message>
        <source>Adds the account the Kiro IDE on this computer is logged in with</source>
        <translation>Fügt das Konto hinzu, mit dem die Kiro-IDE auf diesem Rechner angemeldet ist</translation>
    </message>
    <message>
        <source>&amp;Enable</source>
        <translation>&amp;Aktivieren</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Importiere…</translation>
    </message>
    <message>
        <source>Import from Kiro IDE</source>
        <translation>Aus Kiro-IDE importieren</translation>
    </message>
    <message>
        <source>The Kiro IDE login could not be imported: %1</source>
        <translation>Die Anmeldung der Kiro-IDE konnte nicht importiert werden: %1</translation>
    </message>
    <message>
        <source>Checking the credentials…</source>
        <translation>Prüfe die Zugangsdaten…</translation>
    </message>
    <message>
        <source>Add account</source>
        <translation>Konto hinzufügen</translation>
    </message>
    <message>
        <source>The account was not added: %1</source>
        <translation>Das Konto wurde nicht hinzugefügt: %1</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Remove account</source>
        <translation>Konto entfernen</translation>
    </message>
    <message>
        <source>Remove the account &quot;%1&quot; and delete its credentials from the keychain?</source>
        <translation>Das Konto „%1“ entfernen und seine Zugangsdaten aus dem Schlüsselbund löschen?</translation>
    </message>
    <message>
        <source>No account yet. The Kiro IDE is logged in on this computer: click Import from Kiro IDE to use its account.</source>
        <translation>Noch kein Konto. Die Kiro-IDE ist auf diesem Computer angemeldet: Klicken Sie auf „Aus Kiro-IDE importieren“, um ihr Konto zu verwenden.</translation>
    </message>
    <message>
        <source>&amp;Sign in…</source>
        <translation>&amp;Anmelden…</translation>
    </message>
    <message>
        <source>Add an account by signing in with AWS Builder ID or IAM Identity Center</source>
        <translation>Ein Konto durch Anmeldung mit AWS Builder ID oder IAM Identity Center hinzufügen</translation>
    </message>
    <message>
        <source>Sign in &amp;again…</source>
        <translation>&amp;Erneut anmelden…</translation>
    </message>
    <message>
        <source>Give the selected account a new login; it keeps its settings, slots and history</source>
        <translation>Dem gewählten Konto eine neue Anmeldung geben; Einstellungen, Slots und Verlauf bleiben erhalten</translation>
    </message>
    <message>
        <source>Import from &amp;kiro-cli</source>
        <translation>Aus &amp;kiro-cli importieren</translation>
    </message>
    <message>
        <source>Adds the account kiro-cli on this computer is logged in with</source>
        <translation>Fügt das Konto hinzu, mit dem kiro-cli auf diesem Computer angemeldet ist</translation>
    </message>
    <message>
        <source>No account yet. The Kiro IDE and kiro-cli are logged in on this computer: click Import from Kiro IDE or Import from kiro-cli to use their accounts.</source>
        <translation>Noch kein Konto. Die Kiro-IDE und kiro-cli sind auf diesem Computer angemeldet: Klicken Sie auf „Aus Kiro-IDE importieren“ oder „Aus kiro-cli importieren“, um ihre Konten zu verwenden.</translation>
    </message>
    <message>
        <source>No account yet. kiro-cli is logged in on this computer: click Import from kiro-cli to use its account.</source>
        <translation>Noch kein Konto. kiro-cli ist auf diesem Computer angemeldet: Klicken Sie auf „Aus kiro-cli importieren“, um sein Konto zu verwenden.</translation>
    </message>
    <message>
        <source>No account yet. Log in to the Kiro IDE or kiro-cli and import its login, sign in with AWS Builder ID, or add an account with its refresh token.</source>
        <translation>Noch kein Konto. Melden Sie sich in der Kiro-IDE oder in kiro-cli an und importieren Sie die Anmeldung, melden Sie sich mit AWS Builder ID an, oder fügen Sie ein Konto mit seinem Refresh-Token hinzu.</translation>
    </message>
    <message>
        <source>Import from kiro-cli</source>
        <translation>Aus kiro-cli importieren</translation>
    </message>
    <message>
        <source>The kiro-cli login could not be imported: %1</source>
        <translation>Die Anmeldung von kiro-cli konnte nicht importiert werden: %1</translation>
    </message>
</context>
<context>
    <name>Drawbridge::AddAccountDialog</name>
    <message>
        <source>Add Kiro account</source>
        <translation>Kiro-Konto hinzufügen</translation>
    </message>
    <message>
        <source>Paste the credentials of a Kiro login. They are checked once with the auth service and then kept in the system keychain, never in the database.</source>
        <translation>Fügen Sie die Zugangsdaten einer Kiro-Anmeldung ein. Sie werden einmal beim Anmeldedienst geprüft und dann im Schlüsselbund des Systems gespeichert, nie in der Datenbank.</translation>
    </message>
    <message>
        <source>Account name</source>
        <translation>Kontoname</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Social login (Google, GitHub)</source>
        <translation>Social Login (Google, GitHub)</translation>
    </message>
    <message>
        <source>AWS IAM Identity Center / Builder ID</source>
        <translation>AWS IAM Identity Center / Builder ID</translation>
    </message>
    <message>
        <source>Login method</source>
        <translation>Anmeldeverfahren</translation>
    </message>
    <message>
        <source>&amp;Login method:</source>
        <translation>An&amp;meldeverfahren:</translation>
    </message>
    <message>
        <source>Refresh token</source>
        <translation>Refresh-Token</translation>
    </message>
    <message>
        <source>&amp;Refresh token:</source>
        <translation>&amp;Refresh-Token:</translation>
    </message>
    <message>
        <source>Client id</source>
        <translation>Client-ID</translation>
    </message>
    <message>
        <source>Client &amp;id:</source>
        <translation>Client-&amp;ID:</translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation>Client-Geheimnis</translation>
    </message>
    <message>
        <source>Client &amp;secret:</source>
        <translation>Client-&amp;Geheimnis:</translation>
    </message>
    <message>
        <source>Concurrent requests</source>
        <translation>Gleichzeitige Anfragen</translation>
    </message>
    <message>
        <source>How many requests this account serves at once. Keep it low: high concurrency can get an account throttled or suspended.</source>
        <translation>Wie viele Anfragen dieses Konto gleichzeitig bedient. Niedrig halten: Hohe Parallelität kann zur Drosselung oder Sperrung führen.</translation>
    </message>
    <message>
        <source>Concurrent &amp;requests:</source>
        <translation>Gleichzeitige An&amp;fragen:</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
</context>
<context>
    <name>Drawbridge::ApiKeyTableModel</name>
    <message numerus="yes">
        <source>Uses the default limit of %n request(s) per minute</source>
        <translation>
            <numerusform>Verwendet das Standardlimit von %n Anfrage pro Minute</numerusform>
            <numerusform>Verwendet das Standardlimit von %n Anfragen pro Minute</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (default)</source>
        <translation>%1 (Standard)</translation>
    </message>
    <message>
        <source>all</source>
        <translation>alle</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>widerrufen</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>abgelaufen</translation>
    </message>
    <message>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Key id</source>
        <translation>Schlüssel-ID</translation>
    </message>
    <message>
        <source>Requests/min</source>
        <translation>Anfragen/min</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Zuletzt benutzt</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
</context>
<context>
    <name>Drawbridge::ClientSnippets</name>
    <message>
        <source>Cursor</source>
        <translation>Cursor</translation>
    </message>
    <message>
        <source>Cline</source>
        <translation>Cline</translation>
    </message>
    <message>
        <source>Shell</source>
        <translation>Shell</translation>
    </message>
    <message>
        <source>curl</source>
        <translation>curl</translation>
    </message>
    <message>
        <source>Python</source>
        <translation>Python</translation>
    </message>
    <message>
        <source>JavaScript</source>
        <translation>JavaScript</translation>
    </message>
    <message>
        <source>Cursor → Settings → Models:
  OpenAI API Key: %1
  Override OpenAI Base URL: %2
  Add model: %3 (turn the other models off)
Cursor may send these requests from its own servers, which cannot reach 127.0.0.1; then the gateway needs a tunnel.</source>
        <translation>Cursor → Settings → Models:
  OpenAI API Key: %1
  Override OpenAI Base URL: %2
  Modell hinzufügen: %3 (die anderen Modelle ausschalten)
Cursor schickt diese Anfragen womöglich von seinen eigenen Servern, die 127.0.0.1 nicht erreichen; dann braucht das Gateway einen Tunnel.</translation>
    </message>
    <message>
        <source>your Drawbridge key (db-…)</source>
        <translation>Ihr Drawbridge-Schlüssel (db-…)</translation>
    </message>
    <message>
        <source>Cline → Settings → API Configuration:
  API Provider: OpenAI Compatible
  Base URL: %1
  API Key: %2
  Model ID: %3</source>
        <translation>Cline → Settings → API Configuration:
  API Provider: OpenAI Compatible
  Base URL: %1
  API Key: %2
  Model ID: %3</translation>
    </message>
</context>
<context>
    <name>Drawbridge::ConnectDialog</name>
    <message>
        <source>Create a &amp;new key named after the tool</source>
        <translation>&amp;Neuen Schlüssel mit dem Namen des Werkzeugs anlegen</translation>
    </message>
    <message>
        <source>Use a key I &amp;have:</source>
        <translation>&amp;Vorhandenen Schlüssel verwenden:</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Connect a tool</source>
        <translation>Werkzeug verbinden</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>Werkzeug</translation>
    </message>
    <message>
        <source>&amp;Tool:</source>
        <translation>&amp;Werkzeug:</translation>
    </message>
    <message>
        <source>db-… (keys are shown only once, when they are created)</source>
        <translation>db-… (Schlüssel werden nur einmal angezeigt, beim Anlegen)</translation>
    </message>
    <message>
        <source>Existing client key</source>
        <translation>Vorhandener Client-Schlüssel</translation>
    </message>
    <message>
        <source>Key:</source>
        <translation>Schlüssel:</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Datei:</translation>
    </message>
    <message>
        <source>The change to the tool&apos;s config</source>
        <translation>Die Änderung an der Konfiguration des Werkzeugs</translation>
    </message>
    <message>
        <source>Write the change shown above; the original file is kept as a backup</source>
        <translation>Die oben gezeigte Änderung schreiben; die ursprüngliche Datei bleibt als Sicherung erhalten</translation>
    </message>
    <message>
        <source>Put the tool&apos;s config back as it was before Drawbridge changed it</source>
        <translation>Die Konfiguration des Werkzeugs wiederherstellen, wie sie vor der Änderung durch Drawbridge war</translation>
    </message>
    <message>
        <source>This change will be made:</source>
        <translation>Diese Änderung wird vorgenommen:</translation>
    </message>
    <message>
        <source>Tool &amp;config</source>
        <translation>Werkzeug-&amp;Konfiguration</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>Client</translation>
    </message>
    <message>
        <source>Snippet</source>
        <translation>Codeschnipsel</translation>
    </message>
    <message>
        <source>OpenAI base URL: %1
Anthropic base URL: %2</source>
        <translation>OpenAI-Basis-URL: %1
Anthropic-Basis-URL: %2</translation>
    </message>
    <message>
        <source>C&amp;lient:</source>
        <translation>C&amp;lient:</translation>
    </message>
    <message>
        <source>&amp;Snippets</source>
        <translation>&amp;Codeschnipsel</translation>
    </message>
    <message>
        <source>Not possible: %1</source>
        <translation>Nicht möglich: %1</translation>
    </message>
    <message>
        <source>Paste a Drawbridge client key (db-…), or let Drawbridge create one.</source>
        <translation>Fügen Sie einen Drawbridge-Client-Schlüssel (db-…) ein, oder lassen Sie Drawbridge einen anlegen.</translation>
    </message>
    <message>
        <source>Nothing to change: %1 already uses this gateway with this key.</source>
        <translation>Nichts zu ändern: %1 verwendet dieses Gateway bereits mit diesem Schlüssel.</translation>
    </message>
    <message>
        <source>The current file is kept as a backup for Undo.</source>
        <translation>Die aktuelle Datei wird als Sicherung für „Rückgängig“ aufbewahrt.</translation>
    </message>
    <message>
        <source>The file does not exist yet; Undo removes it again.</source>
        <translation>Die Datei existiert noch nicht; „Rückgängig“ entfernt sie wieder.</translation>
    </message>
    <message>
        <source>%1 now uses Drawbridge (%2). Restart it if it is running.</source>
        <translation>%1 verwendet jetzt Drawbridge (%2). Starten Sie es neu, falls es läuft.</translation>
    </message>
    <message>
        <source>%1&apos;s config is back as it was before.</source>
        <translation>Die Konfiguration von %1 ist wiederhergestellt.</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
</context>
<context>
    <name>Drawbridge::CreateKeyDialog</name>
    <message>
        <source>Expires after</source>
        <translation>Läuft ab nach</translation>
    </message>
    <message>
        <source>&amp;Create key</source>
        <translation>Schlüssel &amp;erstellen</translation>
    </message>
    <message>
        <source>New client key</source>
        <translation>Neuer Client-Schlüssel</translation>
    </message>
    <message>
        <source>e.g. laptop-vscode</source>
        <translation>z. B. laptop-vscode</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>Schlüsselname</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source> per minute</source>
        <translation> pro Minute</translation>
    </message>
    <message>
        <source>Requests per minute</source>
        <translation>Anfragen pro Minute</translation>
    </message>
    <message>
        <source>&amp;Rate limit:</source>
        <translation>&amp;Ratenlimit:</translation>
    </message>
    <message>
        <source>All models (or a comma-separated list)</source>
        <translation>Alle Modelle (oder eine kommagetrennte Liste)</translation>
    </message>
    <message>
        <source>Allowed models</source>
        <translation>Erlaubte Modelle</translation>
    </message>
    <message>
        <source>&amp;Models:</source>
        <translation>&amp;Modelle:</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>Expiry in days</source>
        <translation>Ablauf in Tagen</translation>
    </message>
    <message>
        <source>Expiry:</source>
        <translation>Ablauf:</translation>
    </message>
    <message>
        <source>&lt;b&gt;Copy this key now.&lt;/b&gt; It is shown only once; Drawbridge keeps just a hash.</source>
        <translation>&lt;b&gt;Kopieren Sie diesen Schlüssel jetzt.&lt;/b&gt; Er wird nur einmal angezeigt; Drawbridge speichert nur einen Hash.</translation>
    </message>
    <message>
        <source>New key</source>
        <translation>Neuer Schlüssel</translation>
    </message>
    <message>
        <source>Cop&amp;y key</source>
        <translation>Schlüssel &amp;kopieren</translation>
    </message>
    <message>
        <source>For OpenAI clients (shell):</source>
        <translation>Für OpenAI-Clients (Shell):</translation>
    </message>
    <message>
        <source>Environment snippet</source>
        <translation>Umgebungsvariablen</translation>
    </message>
    <message>
        <source>Copy &amp;snippet</source>
        <translation>&amp;Ausschnitt kopieren</translation>
    </message>
    <message>
        <source>Give the key a name so you can tell it apart later.</source>
        <translation>Geben Sie dem Schlüssel einen Namen, damit Sie ihn später unterscheiden können.</translation>
    </message>
    <message>
        <source>The key could not be created: %1</source>
        <translation>Der Schlüssel konnte nicht erstellt werden: %1</translation>
    </message>
</context>
<context>
    <name>Drawbridge::DesktopShell</name>
    <message>
        <source>Drawbridge is still running</source>
        <translation>Drawbridge läuft weiter</translation>
    </message>
    <message>
        <source>The gateway keeps serving from the tray. Choose Quit in the tray menu to stop it.</source>
        <translation>Das Gateway bedient weiter aus dem Infobereich. Wählen Sie dort „Beenden“, um es anzuhalten.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::EmptyHint</name>
    <message>
        <source>What to do next</source>
        <translation>Wie es weitergeht</translation>
    </message>
</context>
<context>
    <name>Drawbridge::KeyLimitsTableModel</name>
    <message>
        <source>Double-click to edit; 0 uses the default (%1 per minute)</source>
        <translation>Doppelklick zum Bearbeiten; 0 verwendet den Standard (%1 pro Minute)</translation>
    </message>
    <message>
        <source>%1 (default)</source>
        <translation>%1 (Standard)</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
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
        <translation>jetzt</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Key id</source>
        <translation>Schlüssel-ID</translation>
    </message>
    <message>
        <source>Limit (requests/min)</source>
        <translation>Limit (Anfragen/min)</translation>
    </message>
    <message>
        <source>Used in window</source>
        <translation>Im Fenster benutzt</translation>
    </message>
    <message>
        <source>Remaining</source>
        <translation>Verbleibend</translation>
    </message>
    <message>
        <source>Next slot</source>
        <translation>Nächster Platz</translation>
    </message>
</context>
<context>
    <name>Drawbridge::KeysWidget</name>
    <message>
        <source>&amp;New key…</source>
        <translation>&amp;Neuer Schlüssel…</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>&amp;Widerrufen…</translation>
    </message>
    <message>
        <source>Client keys</source>
        <translation>Client-Schlüssel</translation>
    </message>
    <message>
        <source>Create a new client key</source>
        <translation>Einen neuen Client-Schlüssel erstellen</translation>
    </message>
    <message>
        <source>Revoke the selected key</source>
        <translation>Den ausgewählten Schlüssel widerrufen</translation>
    </message>
    <message>
        <source>Revoke key</source>
        <translation>Schlüssel widerrufen</translation>
    </message>
    <message>
        <source>Revoke the key &quot;%1&quot; (%2)? Clients using it are refused from the next request on. This cannot be undone.</source>
        <translation>Den Schlüssel „%1“ (%2) widerrufen? Clients, die ihn verwenden, werden ab der nächsten Anfrage abgewiesen. Das kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>The key could not be revoked: %1</source>
        <translation>Der Schlüssel konnte nicht widerrufen werden: %1</translation>
    </message>
    <message>
        <source>Client keys let IDE tools and scripts use the gateway. Each key has its own rate limit and may be limited to some models. Double-click a name, limit or model list to edit it.</source>
        <translation>Mit Client-Schlüsseln nutzen IDE-Werkzeuge und Skripte das Gateway. Jeder Schlüssel hat ein eigenes Ratenlimit und kann auf einige Modelle beschränkt sein. Doppelklicken Sie auf einen Namen, ein Limit oder eine Modellliste, um sie zu bearbeiten.</translation>
    </message>
    <message>
        <source>No client key yet. Click New key… to make one, or Connect a tool… (top right) to set up Claude Code, Codex, opencode or Continue with a new key.</source>
        <translation>Noch kein Client-Schlüssel. Klicken Sie auf „Neuer Schlüssel…“, oder richten Sie mit „Werkzeug verbinden…“ (oben rechts) Claude Code, Codex, opencode oder Continue mit einem neuen Schlüssel ein.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::LimitsWidget</name>
    <message numerus="yes">
        <source>Every key may send at most its limit of requests in any 60-second window. The default is &lt;b&gt;%n request(s) per minute&lt;/b&gt; (&lt;tt&gt;limits.default_rpm&lt;/tt&gt; in drawbridge.toml). Double-click a limit to change it; 0 means the default.</source>
        <translation>
            <numerusform>Jeder Schlüssel darf in jedem 60-Sekunden-Fenster höchstens sein Limit an Anfragen senden. Standard ist &lt;b&gt;%n Anfrage pro Minute&lt;/b&gt; (&lt;tt&gt;limits.default_rpm&lt;/tt&gt; in drawbridge.toml). Doppelklicken Sie auf ein Limit, um es zu ändern; 0 bedeutet Standard.</numerusform>
            <numerusform>Jeder Schlüssel darf in jedem 60-Sekunden-Fenster höchstens sein Limit an Anfragen senden. Standard sind &lt;b&gt;%n Anfragen pro Minute&lt;/b&gt; (&lt;tt&gt;limits.default_rpm&lt;/tt&gt; in drawbridge.toml). Doppelklicken Sie auf ein Limit, um es zu ändern; 0 bedeutet Standard.</numerusform>
        </translation>
    </message>
    <message>
        <source>Rate limits per key</source>
        <translation>Ratenlimits pro Schlüssel</translation>
    </message>
    <message>
        <source>No client key yet: each key&apos;s limit shows here once the Keys tab has one.</source>
        <translation>Noch kein Client-Schlüssel: Die Grenze jedes Schlüssels erscheint hier, sobald es auf der Registerkarte „Schlüssel“ einen gibt.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::LogWidget</name>
    <message>
        <source>All requests</source>
        <translation>Alle Anfragen</translation>
    </message>
    <message>
        <source>Successful</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Rate limited</source>
        <translation>Ratenbegrenzt</translation>
    </message>
    <message>
        <source>Upstream errors</source>
        <translation>Anbieterfehler</translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation>Statusfilter</translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation>&amp;Anzeigen:</translation>
    </message>
    <message>
        <source>&amp;Clear</source>
        <translation>&amp;Leeren</translation>
    </message>
    <message>
        <source>Clear the log</source>
        <translation>Das Protokoll leeren</translation>
    </message>
    <message>
        <source>Recent requests</source>
        <translation>Letzte Anfragen</translation>
    </message>
    <message numerus="yes">
        <source>Last %n request(s), newest first</source>
        <translation>
            <numerusform>Letzte %n Anfrage, neueste zuerst</numerusform>
            <numerusform>Letzte %n Anfragen, neueste zuerst</numerusform>
        </translation>
    </message>
    <message>
        <source>No request yet. Requests show here as they finish; copy the base URL from the tray or use Connect a tool… to point a client here.</source>
        <translation>Noch keine Anfrage. Anfragen erscheinen hier, sobald sie fertig sind; kopieren Sie die Basis-URL im Infobereich oder richten Sie mit „Werkzeug verbinden…“ einen Client ein.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::MainWindow</name>
    <message>
        <source>Drawbridge</source>
        <translation>Drawbridge</translation>
    </message>
    <message>
        <source>&amp;Keys</source>
        <translation>&amp;Schlüssel</translation>
    </message>
    <message>
        <source>&amp;Accounts</source>
        <translation>&amp;Konten</translation>
    </message>
    <message>
        <source>&amp;Usage</source>
        <translation>&amp;Nutzung</translation>
    </message>
    <message>
        <source>&amp;Limits</source>
        <translation>&amp;Limits</translation>
    </message>
    <message>
        <source>L&amp;og</source>
        <translation>&amp;Protokoll</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>&amp;Einstellungen</translation>
    </message>
    <message>
        <source>Drawbridge sections</source>
        <translation>Drawbridge-Bereiche</translation>
    </message>
    <message>
        <source>Gateway status</source>
        <translation>Gateway-Status</translation>
    </message>
    <message>
        <source>draining</source>
        <translation>wird angehalten</translation>
    </message>
    <message>
        <source>listening</source>
        <translation>bereit</translation>
    </message>
    <message>
        <source>%1 on %2 · %3 of %4 accounts usable · %5/%6 slots free · %7 in flight · %8 queued</source>
        <translation>%1 unter %2 · %3 von %4 Konten nutzbar · %5/%6 Slots frei · %7 laufend · %8 wartend</translation>
    </message>
    <message>
        <source>Connect a &amp;tool…</source>
        <translation>&amp;Werkzeug verbinden…</translation>
    </message>
    <message>
        <source>Point Claude Code, Codex, opencode or Continue at this gateway, or copy a snippet</source>
        <translation>Claude Code, Codex, opencode oder Continue auf dieses Gateway einstellen, oder ein Codeschnipsel kopieren</translation>
    </message>
    <message>
        <source>Keychain problem</source>
        <translation>Problem mit dem Schlüsselbund</translation>
    </message>
    <message>
        <source>No system keychain: account credentials cannot be saved and the admin token lasts for this run only. Install and unlock a Secret Service keyring (GNOME Keyring or KeePassXC with Secret Service enabled) and restart Drawbridge, or set DRAWBRIDGE_ADMIN_TOKEN. (%1)</source>
        <translation>Kein System-Schlüsselbund: Konto-Zugangsdaten können nicht gespeichert werden, und das Admin-Token gilt nur für diesen Lauf. Installieren und entsperren Sie einen Secret-Service-Schlüsselbund (GNOME Keyring oder KeePassXC mit aktiviertem Secret Service) und starten Sie Drawbridge neu, oder setzen Sie DRAWBRIDGE_ADMIN_TOKEN. (%1)</translation>
    </message>
</context>
<context>
    <name>Drawbridge::RequestLogModel</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>Latency</source>
        <translation>Latenz</translation>
    </message>
    <message>
        <source>Tokens in / out</source>
        <translation>Tokens ein / aus</translation>
    </message>
    <message>
        <source>Credits</source>
        <translation>Credits</translation>
    </message>
</context>
<context>
    <name>Drawbridge::SettingsEditor</name>
    <message>
        <source>Change settings</source>
        <translation>Einstellungen ändern</translation>
    </message>
    <message>
        <source> per minute</source>
        <translation> pro Minute</translation>
    </message>
    <message>
        <source> requests</source>
        <translation> Anfragen</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>Drop the oldest turns of a conversation too long for Kiro</source>
        <translation>Älteste Beiträge einer für Kiro zu langen Unterhaltung weglassen</translation>
    </message>
    <message>
        <source>Sa&amp;ve</source>
        <translation>S&amp;peichern</translation>
    </message>
    <message>
        <source>Res&amp;tart now</source>
        <translation>Jetzt neu s&amp;tarten</translation>
    </message>
    <message>
        <source>any free port</source>
        <translation>beliebiger freier Port</translation>
    </message>
    <message>
        <source>none (browsers are refused); e.g. http://localhost:3000</source>
        <translation>keine (Browser werden abgewiesen); z. B. http://localhost:3000</translation>
    </message>
    <message>
        <source>from HTTPS_PROXY; or http://host:port</source>
        <translation>aus HTTPS_PROXY; oder http://host:port</translation>
    </message>
    <message>
        <source>Listen on host:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <source>Default rate limit:</source>
        <translation>Standard-Ratenlimit:</translation>
    </message>
    <message>
        <source>Queue limit:</source>
        <translation>Warteschlange höchstens:</translation>
    </message>
    <message>
        <source>Queue timeout:</source>
        <translation>Wartezeit höchstens:</translation>
    </message>
    <message>
        <source>Slots per account:</source>
        <translation>Slots pro Konto:</translation>
    </message>
    <message>
        <source>CORS origins:</source>
        <translation>CORS-Ursprünge:</translation>
    </message>
    <message>
        <source>Keep usage records:</source>
        <translation>Nutzungsdaten aufbewahren:</translation>
    </message>
    <message>
        <source>History:</source>
        <translation>Verlauf:</translation>
    </message>
    <message>
        <source>Upstream proxy:</source>
        <translation>Upstream-Proxy:</translation>
    </message>
    <message>
        <source>Nothing is saved with --ephemeral.</source>
        <translation>Mit --ephemeral wird nichts gespeichert.</translation>
    </message>
    <message>
        <source>The host must be an IP address such as 127.0.0.1.</source>
        <translation>Die Adresse muss eine IP-Adresse wie 127.0.0.1 sein.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an origin such as http://localhost:3000.</source>
        <translation>„%1“ ist kein Ursprung wie http://localhost:3000.</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>port</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>upstream proxy</source>
        <translation>Upstream-Proxy</translation>
    </message>
    <message>
        <source>usage retention</source>
        <translation>Aufbewahrung der Nutzungsdaten</translation>
    </message>
    <message>
        <source>Saved to %1 and in effect now.</source>
        <translation>In %1 gespeichert und sofort wirksam.</translation>
    </message>
    <message>
        <source>Saved to %1. Restart needed for: %2. Everything else is in effect now.</source>
        <translation>In %1 gespeichert. Neustart nötig für: %2. Alles andere ist sofort wirksam.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::SettingsWidget</name>
    <message>
        <source>Re&amp;veal</source>
        <translation>An&amp;zeigen</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>Adresse:</translation>
    </message>
    <message>
        <source>Host / port:</source>
        <translation>Host / Port:</translation>
    </message>
    <message>
        <source>%1 : %2</source>
        <translation>%1 : %2</translation>
    </message>
    <message>
        <source>CORS origins:</source>
        <translation>CORS-Ursprünge:</translation>
    </message>
    <message>
        <source>none (browsers are refused)</source>
        <translation>keine (Browser werden abgewiesen)</translation>
    </message>
    <message>
        <source>Request timeout:</source>
        <translation>Zeitlimit pro Anfrage:</translation>
    </message>
    <message numerus="yes">
        <source>%n second(s)</source>
        <translation>
            <numerusform>%n Sekunde</numerusform>
            <numerusform>%n Sekunden</numerusform>
        </translation>
    </message>
    <message>
        <source>Accounts and limits</source>
        <translation>Konten und Limits</translation>
    </message>
    <message>
        <source>Default model:</source>
        <translation>Standardmodell:</translation>
    </message>
    <message>
        <source>Slots per account:</source>
        <translation>Slots pro Konto:</translation>
    </message>
    <message>
        <source>Default rate limit:</source>
        <translation>Standard-Ratenlimit:</translation>
    </message>
    <message numerus="yes">
        <source>%n request(s) per minute</source>
        <translation>
            <numerusform>%n Anfrage pro Minute</numerusform>
            <numerusform>%n Anfragen pro Minute</numerusform>
        </translation>
    </message>
    <message>
        <source>Queue:</source>
        <translation>Warteschlange:</translation>
    </message>
    <message>
        <source>up to %1 requests, %2 s timeout</source>
        <translation>bis zu %1 Anfragen, %2 s Zeitlimit</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>Speicher</translation>
    </message>
    <message>
        <source>in memory (--ephemeral: nothing is kept)</source>
        <translation>im Arbeitsspeicher (--ephemeral: nichts bleibt erhalten)</translation>
    </message>
    <message>
        <source>Data directory:</source>
        <translation>Datenverzeichnis:</translation>
    </message>
    <message>
        <source>Usage retention:</source>
        <translation>Aufbewahrung der Nutzung:</translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n Tag</numerusform>
            <numerusform>%n Tage</numerusform>
        </translation>
    </message>
    <message>
        <source>Keychain:</source>
        <translation>Schlüsselbund:</translation>
    </message>
    <message>
        <source>available</source>
        <translation>verfügbar</translation>
    </message>
    <message>
        <source>unavailable: %1</source>
        <translation>nicht verfügbar: %1</translation>
    </message>
    <message>
        <source>Admin API</source>
        <translation>Admin-API</translation>
    </message>
    <message>
        <source>Admin token</source>
        <translation>Admin-Token</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Copy the admin token</source>
        <translation>Das Admin-Token kopieren</translation>
    </message>
    <message>
        <source>Reveal the admin token</source>
        <translation>Das Admin-Token anzeigen</translation>
    </message>
    <message>
        <source>&amp;Hide</source>
        <translation>&amp;Verbergen</translation>
    </message>
    <message>
        <source>Admin token:</source>
        <translation>Admin-Token:</translation>
    </message>
    <message>
        <source>These settings come from the config file, the environment and the command line. Change them in %1 and restart Drawbridge.</source>
        <translation>Diese Einstellungen stammen aus der Konfigurationsdatei, der Umgebung und der Befehlszeile. Ändern Sie sie in %1 und starten Sie Drawbridge neu.</translation>
    </message>
    <message>
        <source>the environment</source>
        <translation>der Umgebung</translation>
    </message>
    <message>
        <source>drawbridge.toml</source>
        <translation>drawbridge.toml</translation>
    </message>
    <message>
        <source>%1, any free port</source>
        <translation>%1, beliebiger freier Port</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
    <message>
        <source>Copy the &amp;OpenAI base URL</source>
        <translation>&amp;OpenAI-Basis-URL kopieren</translation>
    </message>
    <message>
        <source>Copy the A&amp;nthropic base URL</source>
        <translation>A&amp;nthropic-Basis-URL kopieren</translation>
    </message>
    <message>
        <source>Base URLs:</source>
        <translation>Basis-URLs:</translation>
    </message>
    <message>
        <source>not used (--ephemeral keeps secrets in memory)</source>
        <translation>nicht verwendet (--ephemeral hält Geheimnisse im Speicher)</translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation>Desktop</translation>
    </message>
    <message>
        <source>Start Drawbridge when I log in</source>
        <translation>Drawbridge bei der Anmeldung starten</translation>
    </message>
    <message>
        <source>Launch at login:</source>
        <translation>Autostart:</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source> credits</source>
        <translation> Credits</translation>
    </message>
    <message>
        <source>Low-credit warning threshold</source>
        <translation>Warnschwelle für wenig Guthaben</translation>
    </message>
    <message>
        <source>Warn when an account has less than:</source>
        <translation>Warnen, wenn ein Konto weniger hat als:</translation>
    </message>
    <message>
        <source>Open the config &amp;file</source>
        <translation>Konfigurations&amp;datei öffnen</translation>
    </message>
    <message>
        <source>Open the &amp;data folder</source>
        <translation>Daten&amp;ordner öffnen</translation>
    </message>
    <message>
        <source>Files:</source>
        <translation>Dateien:</translation>
    </message>
    <message>
        <source>Open the &amp;logs</source>
        <translation>Protoko&amp;lldatei öffnen</translation>
    </message>
    <message>
        <source>No log file: --ephemeral writes nothing to disk</source>
        <translation>Keine Protokolldatei: --ephemeral schreibt nichts auf die Festplatte</translation>
    </message>
</context>
<context>
    <name>Drawbridge::SignInDialog</name>
    <message>
        <source>&amp;Sign in</source>
        <translation>&amp;Anmelden</translation>
    </message>
    <message>
        <source>&amp;Open the sign-in page</source>
        <translation>Anmeldeseite ö&amp;ffnen</translation>
    </message>
    <message>
        <source>Sign in to Kiro</source>
        <translation>Bei Kiro anmelden</translation>
    </message>
    <message>
        <source>AWS Builder ID</source>
        <translation>AWS Builder ID</translation>
    </message>
    <message>
        <source>IAM Identity Center (organisation)</source>
        <translation>IAM Identity Center (Organisation)</translation>
    </message>
    <message>
        <source>Sign-in method</source>
        <translation>Anmeldeverfahren</translation>
    </message>
    <message>
        <source>https://my-company.awsapps.com/start</source>
        <translation>https://meine-firma.awsapps.com/start</translation>
    </message>
    <message>
        <source>Start URL</source>
        <translation>Start-URL</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>Region</translation>
    </message>
    <message>
        <source>e.g. work</source>
        <translation>z. B. Arbeit</translation>
    </message>
    <message>
        <source>Account name</source>
        <translation>Kontoname</translation>
    </message>
    <message>
        <source>&amp;Method:</source>
        <translation>&amp;Verfahren:</translation>
    </message>
    <message>
        <source>S&amp;tart URL:</source>
        <translation>S&amp;tart-URL:</translation>
    </message>
    <message>
        <source>&amp;Region:</source>
        <translation>&amp;Region:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>Your code</source>
        <translation>Ihr Code</translation>
    </message>
    <message>
        <source>Drawbridge shows a code; confirm it on the page that opens, and the account is added.</source>
        <translation>Drawbridge zeigt einen Code; bestätigen Sie ihn auf der Seite, die sich öffnet, und das Konto wird hinzugefügt.</translation>
    </message>
    <message>
        <source>Enter your organisation&apos;s start URL (https://…/start).</source>
        <translation>Geben Sie die Start-URL Ihrer Organisation ein (https://…/start).</translation>
    </message>
    <message>
        <source>Asking for a code…</source>
        <translation>Code wird angefordert…</translation>
    </message>
    <message>
        <source>Confirm the code %1 on the page that opened (%2). Waiting…</source>
        <translation>Bestätigen Sie den Code %1 auf der geöffneten Seite (%2). Warte…</translation>
    </message>
    <message>
        <source>Signed in. Adding the account…</source>
        <translation>Angemeldet. Konto wird hinzugefügt…</translation>
    </message>
    <message>
        <source>Signed in, but the account was not added: %1</source>
        <translation>Angemeldet, aber das Konto wurde nicht hinzugefügt: %1</translation>
    </message>
    <message>
        <source>Sign in again</source>
        <translation>Erneut anmelden</translation>
    </message>
    <message>
        <source>Drawbridge shows a code; confirm it on the page that opens, and the account &quot;%1&quot; uses the new login. Its settings and history stay.</source>
        <translation>Drawbridge zeigt einen Code; bestätigen Sie ihn auf der Seite, die sich öffnet, und das Konto „%1“ verwendet die neue Anmeldung. Seine Einstellungen und sein Verlauf bleiben erhalten.</translation>
    </message>
    <message>
        <source>Signed in, but the account kept its old login: %1</source>
        <translation>Angemeldet, aber das Konto behält seine alte Anmeldung: %1</translation>
    </message>
    <message>
        <source>Signed in. Updating the account…</source>
        <translation>Angemeldet. Das Konto wird aktualisiert…</translation>
    </message>
    <message>
        <source>&amp;Finish</source>
        <translation>A&amp;bschließen</translation>
    </message>
    <message>
        <source>Google (Kiro social login)</source>
        <translation>Google (Kiro-Social-Login)</translation>
    </message>
    <message>
        <source>GitHub (Kiro social login)</source>
        <translation>GitHub (Kiro-Social-Login)</translation>
    </message>
    <message>
        <source>Address the browser ended on</source>
        <translation>Adresse, auf der der Browser gelandet ist</translation>
    </message>
    <message>
        <source>&amp;Browser ended on:</source>
        <translation>Bro&amp;wser landete auf:</translation>
    </message>
    <message>
        <source>Checking the sign-in…</source>
        <translation>Anmeldung wird geprüft…</translation>
    </message>
    <message>
        <source>Sign in with %1 on the page that opened. The browser then ends on an address starting with kiro:// (it may say it cannot open it, or offer the Kiro IDE: decline). Copy that whole address from the address bar, paste it above and click Finish.</source>
        <translation>Melden Sie sich auf der geöffneten Seite mit %1 an. Der Browser landet danach auf einer Adresse, die mit kiro:// beginnt (vielleicht meldet er, dass er sie nicht öffnen kann, oder bietet die Kiro-IDE an: ablehnen). Kopieren Sie diese ganze Adresse aus der Adresszeile, fügen Sie sie oben ein und klicken Sie auf „Abschließen“.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::TrayIcon</name>
    <message>
        <source>&amp;Open Drawbridge</source>
        <translation>Drawbridge &amp;öffnen</translation>
    </message>
    <message>
        <source>Copy &amp;base URL</source>
        <translation>&amp;Basis-URL kopieren</translation>
    </message>
    <message>
        <source>Copy a &amp;new client key</source>
        <translation>&amp;Neuen Client-Schlüssel kopieren</translation>
    </message>
    <message>
        <source>Finish the requests in flight and refuse new ones</source>
        <translation>Laufende Anfragen beenden und neue abweisen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Idle</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Serving requests</source>
        <translation>Bedient Anfragen</translation>
    </message>
    <message>
        <source>Error: the system keychain is unavailable</source>
        <translation>Fehler: Der Schlüsselbund des Systems ist nicht verfügbar</translation>
    </message>
    <message>
        <source>Drawbridge</source>
        <translation>Drawbridge</translation>
    </message>
    <message>
        <source>Base URL copied</source>
        <translation>Basis-URL kopiert</translation>
    </message>
    <message>
        <source>tray key %1</source>
        <translation>Tray-Schlüssel %1</translation>
    </message>
    <message>
        <source>No key was created: %1</source>
        <translation>Es wurde kein Schlüssel erstellt: %1</translation>
    </message>
    <message>
        <source>New client key &quot;%1&quot; copied. It is shown only this once.</source>
        <translation>Neuer Client-Schlüssel „%1“ kopiert. Er wird nur dieses eine Mal angezeigt.</translation>
    </message>
    <message>
        <source>&amp;Resume serving</source>
        <translation>&amp;Wieder Anfragen annehmen</translation>
    </message>
    <message>
        <source>Accept new requests again</source>
        <translation>Neue Anfragen wieder annehmen</translation>
    </message>
    <message>
        <source>Connect a &amp;tool…</source>
        <translation>&amp;Werkzeug verbinden…</translation>
    </message>
    <message>
        <source>&amp;Accounts</source>
        <translation>&amp;Konten</translation>
    </message>
    <message>
        <source>&amp;Stop serving</source>
        <translation>Bedienen &amp;anhalten</translation>
    </message>
    <message>
        <source>Busy: every slot is in use, new requests wait</source>
        <translation>Ausgelastet: Alle Plätze sind belegt, neue Anfragen warten</translation>
    </message>
    <message>
        <source>Rate limited: every account is cooling down or out of credits</source>
        <translation>Gedrosselt: Alle Konten pausieren oder haben kein Guthaben mehr</translation>
    </message>
    <message>
        <source>Error: no account can serve (sign in again on the Accounts tab)</source>
        <translation>Fehler: Kein Konto kann bedienen (auf der Registerkarte „Konten“ neu anmelden)</translation>
    </message>
    <message>
        <source>Stopping: finishing requests in flight</source>
        <translation>Wird angehalten: laufende Anfragen werden beendet</translation>
    </message>
    <message>
        <source>Stopped: not accepting requests</source>
        <translation>Angehalten: nimmt keine Anfragen an</translation>
    </message>
    <message>
        <source>Set up: add a Kiro account to start serving</source>
        <translation>Einrichten: Fügen Sie ein Kiro-Konto hinzu, um loszulegen</translation>
    </message>
    <message>
        <source>Paused: every account is paused</source>
        <translation>Pausiert: Alle Konten sind pausiert</translation>
    </message>
    <message>
        <source>%1 of %2 slots free</source>
        <translation>%1 von %2 Plätzen frei</translation>
    </message>
    <message>
        <source>%1 · %2 credits left</source>
        <translation>%1 · %2 Credits übrig</translation>
    </message>
    <message>
        <source>Drawbridge — %1
%2
%3</source>
        <translation>Drawbridge — %1
%2
%3</translation>
    </message>
    <message>
        <source>No account yet</source>
        <translation>Noch kein Konto</translation>
    </message>
    <message>
        <source>%1 — %2 credits left</source>
        <translation>%1 — %2 Credits übrig</translation>
    </message>
    <message>
        <source>Uncheck to pause this account; its requests go to the others</source>
        <translation>Abwählen, um dieses Konto zu pausieren; seine Anfragen gehen an die anderen</translation>
    </message>
    <message>
        <source>The account was not changed: %1</source>
        <translation>Das Konto wurde nicht geändert: %1</translation>
    </message>
    <message>
        <source>Account &quot;%1&quot; has %2 credits left.</source>
        <translation>Konto „%1“ hat noch %2 Credits.</translation>
    </message>
</context>
<context>
    <name>Drawbridge::UsageSeriesModel</name>
    <message>
        <source>Day</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>Hour</source>
        <translation>Stunde</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Errors</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Prompt tokens</source>
        <translation>Prompt-Tokens</translation>
    </message>
    <message>
        <source>Completion tokens</source>
        <translation>Antwort-Tokens</translation>
    </message>
    <message>
        <source>Credits</source>
        <translation>Credits</translation>
    </message>
</context>
<context>
    <name>Drawbridge::UsageWidget</name>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation>CSV e&amp;xportieren…</translation>
    </message>
    <message>
        <source>Last 24 hours (hourly)</source>
        <translation>Letzte 24 Stunden (stündlich)</translation>
    </message>
    <message>
        <source>Last 7 days (hourly)</source>
        <translation>Letzte 7 Tage (stündlich)</translation>
    </message>
    <message>
        <source>Last 30 days (daily)</source>
        <translation>Letzte 30 Tage (täglich)</translation>
    </message>
    <message>
        <source>Last 90 days (daily)</source>
        <translation>Letzte 90 Tage (täglich)</translation>
    </message>
    <message>
        <source>Time range</source>
        <translation>Zeitraum</translation>
    </message>
    <message>
        <source>&amp;Range:</source>
        <translation>&amp;Zeitraum:</translation>
    </message>
    <message>
        <source>Export usage as CSV</source>
        <translation>Nutzung als CSV exportieren</translation>
    </message>
    <message>
        <source>Usage totals</source>
        <translation>Nutzung gesamt</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>Anfragen</translation>
    </message>
    <message>
        <source>Credits</source>
        <translation>Credits</translation>
    </message>
    <message>
        <source>Usage chart</source>
        <translation>Nutzungsdiagramm</translation>
    </message>
    <message>
        <source>Usage per period</source>
        <translation>Nutzung pro Zeitraum</translation>
    </message>
    <message>
        <source>Usage could not be read: %1</source>
        <translation>Die Nutzung konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1 requests, %2 errors, %3 prompt / %4 completion tokens, %5 credits</source>
        <translation>%1 Anfragen, %2 Fehler, %3 Prompt- / %4 Antwort-Tokens, %5 Credits</translation>
    </message>
    <message>
        <source>Export usage</source>
        <translation>Nutzung exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>%1 konnte nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>Nichts</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Account</source>
        <translation>Konto</translation>
    </message>
    <message>
        <source>Split the requests by</source>
        <translation>Anfragen aufteilen nach</translation>
    </message>
    <message>
        <source>S&amp;plit by:</source>
        <translation>&amp;Aufteilen nach:</translation>
    </message>
    <message>
        <source>All requests</source>
        <translation>Alle Anfragen</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keins)</translation>
    </message>
    <message>
        <source>No usage in this range yet. Requests through the gateway are counted here per hour or day, with the credits they used.</source>
        <translation>In diesem Zeitraum noch keine Nutzung. Anfragen über das Gateway werden hier pro Stunde oder Tag gezählt, mit den verbrauchten Credits.</translation>
    </message>
</context>
</TS>
