#compdef vaultform

autoload -U is-at-least

_vaultform() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_vaultform_commands" \
"*::: :->vaultform" \
&& ret=0
    case $state in
    (vaultform)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-command-$line[1]:"
        case $line[1] in
            (validate)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((human\:"For people; problems as diagnostics on stderr"
json\:"One JSON document on stdout, valid or not\: \`format_version\`, \`valid\`, \`manifest\`, \`resources\` (counts by kind), \`warnings\`, and when invalid \`error\` (the diagnostic\: code, message, help, labels with byte offsets, related problems; never a value)"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(plan)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((human\:"For people"
json\:"Machine-readable, versioned (\`format_version\`)"
markdown\:"For pull-request comments"))' \
'--out=[Save the plan for \`vaultform apply FILE\` (holds no secret value)]:PLANFILE:_files' \
'--metrics-file=[Write Prometheus metrics of this check (drift by kind, success, timestamp, duration) to this file, atomically]:PATH:_files' \
'*--target=[Limit the plan to this resource and what it depends on (repeatable), e.g. \`policy.user-policy\`, \`approle.approle/user\`, \`kv.secret/user_db\`]:ADDRESS:_default' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--detailed-exitcode[Exit 0 when there are no changes, 2 when there are, 1 on error]' \
'--compact[One line per change (what changes, not how)\: for large plans]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
'*--target=[Limit the apply to this resource and what it depends on (repeatable)]:ADDRESS:_default' \
'--lock-timeout=[How long to wait for another apply of this manifest to release the apply lock before failing (naming the holder)]:LOCK_TIMEOUT:_default' \
'--format=[Output format\: \`json\` prints one document at the end (the plan as \`plan --format json\` shows it, what was applied, the counts); it needs --auto-approve or a saved plan (there is no prompt)]:FORMAT:((human\:"The plan, then a line of counts"
json\:"One versioned document (\`format_version\`) at the end"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--auto-approve[Apply without asking for confirmation]' \
'--allow-destroy[Allow changes that destroy data (deleting or replacing mounts and auth methods)]' \
'--compact[Show the plan with one line per change]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'::plan_file -- A plan saved with `vaultform plan --out`; applied only if the server and the manifest still match what it saw:_files' \
&& ret=0
;;
(operator)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
":: :_vaultform__subcmd__operator_commands" \
"*::: :->operator" \
&& ret=0

    case $state in
    (operator)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-operator-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
'--key-shares=[Number of unseal key shares]:KEY_SHARES:_default' \
'--key-threshold=[Number of shares needed to unseal]:KEY_THRESHOLD:_default' \
'--keys-file=[Where to write the keys and root token (refuses to overwrite)]:KEYS_FILE:_files' \
'*--recipient=[Encrypt the keys file to this age recipient (\`age1...\`; repeatable)]:AGE_RECIPIENT:_default' \
'--format=[Output format]:FORMAT:((human\:"Sentences"
json\:"One JSON document (\`format_version\` 1, \`command\`); never a key, token or value"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(unseal)
_arguments "${_arguments_options[@]}" : \
'--keys-file=[The keys file written by \`operator init\`]:KEYS_FILE:_files' \
'--identity=[age identity file to decrypt an encrypted keys file]:PATH:_files' \
'--format=[Output format]:FORMAT:((human\:"Sentences"
json\:"One JSON document (\`format_version\` 1, \`command\`); never a key, token or value"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--keys-stdin[Read unseal keys from stdin, one per line, instead of the keys file]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__operator__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-operator-help-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(unseal)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(bootstrap)
_arguments "${_arguments_options[@]}" : \
'--keys-file=[The keys file\: written on init, read to unseal and (when VAULT_TOKEN is not set) for the root token]:KEYS_FILE:_files' \
'--identity=[age identity file to decrypt an encrypted keys file]:PATH:_files' \
'*--recipient=[Encrypt a newly written keys file to this age recipient (repeatable)]:AGE_RECIPIENT:_default' \
'--key-shares=[Number of unseal key shares on init]:KEY_SHARES:_default' \
'--key-threshold=[Number of shares needed to unseal, on init]:KEY_THRESHOLD:_default' \
'--wait=[How long to wait for the server to answer]:WAIT:_default' \
'--lock-timeout=[How long to wait for another apply of this manifest to finish]:LOCK_TIMEOUT:_default' \
'--format=[Output format of the apply (stdout; progress goes to stderr)]:FORMAT:((human\:"The plan, then a line of counts"
json\:"One versioned document (\`format_version\`) at the end"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--allow-destroy[Allow changes that destroy data]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(rotate)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
":: :_vaultform__subcmd__rotate_commands" \
"*::: :->rotate" \
&& ret=0

    case $state in
    (rotate)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-rotate-command-$line[1]:"
        case $line[1] in
            (secret-id)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((human\:"Sentences"
json\:"One JSON document (\`format_version\` 1, \`command\`); never a key, token or value"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--keep-old[Keep the old secret IDs valid]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':role -- The AppRole'\''s name in the manifest (`\[approles.NAME\]`):_default' \
&& ret=0
;;
(secret)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((human\:"Sentences"
json\:"One JSON document (\`format_version\` 1, \`command\`); never a key, token or value"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':path -- The secret, `<mount>/<path>` as in the manifest:_default' \
':key -- The key:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__rotate__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-rotate-help-command-$line[1]:"
        case $line[1] in
            (secret-id)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(secret)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(force-unlock)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':id -- The lock'\''s id:_default' \
&& ret=0
;;
(exec)
_arguments "${_arguments_options[@]}" : \
'--service=[The service'\''s section (\`\[services.NAME\]\`) of the services file]:SERVICE:_default' \
'--services-file=[The services file]:SERVICES_FILE:_files' \
'*--secret=[A KV v2 secret to read, \`MOUNT/PATH\`, optionally with its keys\: \`secret/app/mongodb#root_username,root_password\` (repeatable). Keys named here can fall back to Docker secrets and the environment]:MOUNT/PATH[#KEYS]:_default' \
'--prefix=[Put this in front of every variable name]:PREFIX:_default' \
'*--rename=[Give a key its own variable name\: \`MOUNT/PATH#KEY=NAME\` (repeatable)]:MOUNT/PATH#KEY=NAME:_default' \
'*--auth=[Login methods, in the order tried]:AUTH:((token\:"\`VAULT_TOKEN\`, a token file, the Docker secret \`vault_token\`, \`~/.vault-token\`"
approle\:"\`role_id\` + \`secret_id\` files (as \`apply\` delivers them) or \`VAULT_ROLE_ID\` / \`VAULT_SECRET_ID\`"
kubernetes\:"The pod'\''s service-account token with a Kubernetes auth role"))' \
'--token-file=[A file holding a Vault token]:PATH:_files' \
'--approle-dir=[The directory \`vaultform apply\` delivers \`role_id\` and \`secret_id\` to (the AppRole'\''s \`credentials_dir\`)]:DIR:_files' \
'--approle-mount=[The AppRole auth mount \[default\: approle\]]:MOUNT:_default' \
'--k8s-role=[The Kubernetes auth role to log in as]:ROLE:_default' \
'--k8s-mount=[The Kubernetes auth mount \[default\: kubernetes\]]:MOUNT:_default' \
'--k8s-token-file=[The service-account token \[default\: /var/run/secrets/kubernetes.io/serviceaccount/token\]]:PATH:_files' \
'--docker-secrets-dir=[Where Docker secrets are \[default\: /run/secrets\]]:DIR:_files' \
'--auth-wait=[Keep trying to log in this long while credentials are refused (e.g. a secret ID that expired while the service was down, until the next \`vaultform apply\` delivers a new one) \[default\: 0s\]]:DURATION:_default' \
'--render-dir=[Write each value to DIR/NAME (0600, directory 0700, atomically) and give the command NAME_FILE=DIR/NAME instead of the value. Without a command, render and exit (a one-shot for images that read *_FILE)]:DIR:_files' \
'--render-owner=[Owner of rendered files and their directory, \`UID\[\:GID\]\` (needs root)]:UID[:GID]:_default' \
'--watch=[Re-read the secrets this often; on a change, restart or signal the command. vaultform then stays as the command'\''s parent]:INTERVAL:_default' \
'--on-change=[What a change does under --watch \[default\: restart\]]:ON_CHANGE:((restart\:"Stop the child (the kill signal, then SIGKILL after the timeout) and start it again with the new values"
signal\:"Send the child the watch signal (rendered files are rewritten first)"))' \
'--watch-signal=[The signal sent on a change with --on-change signal]:WATCH_SIGNAL:_default' \
'--kill-signal=[The signal that stops the command for a restart]:KILL_SIGNAL:_default' \
'--kill-timeout=[How long the command may take to stop before SIGKILL]:KILL_TIMEOUT:_default' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--require-vault[Every value must come from Vault\: no fallback (for production)]' \
'-q[Do not log where each value came from]' \
'--quiet[Do not log where each value came from]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'*::command -- The command and its arguments, after `--`:_default' \
&& ret=0
;;
(env)
_arguments "${_arguments_options[@]}" : \
'--service=[The service'\''s section (\`\[services.NAME\]\`) of the services file]:SERVICE:_default' \
'--services-file=[The services file]:SERVICES_FILE:_files' \
'*--secret=[A KV v2 secret to read, \`MOUNT/PATH\`, optionally with its keys\: \`secret/app/mongodb#root_username,root_password\` (repeatable). Keys named here can fall back to Docker secrets and the environment]:MOUNT/PATH[#KEYS]:_default' \
'--prefix=[Put this in front of every variable name]:PREFIX:_default' \
'*--rename=[Give a key its own variable name\: \`MOUNT/PATH#KEY=NAME\` (repeatable)]:MOUNT/PATH#KEY=NAME:_default' \
'*--auth=[Login methods, in the order tried]:AUTH:((token\:"\`VAULT_TOKEN\`, a token file, the Docker secret \`vault_token\`, \`~/.vault-token\`"
approle\:"\`role_id\` + \`secret_id\` files (as \`apply\` delivers them) or \`VAULT_ROLE_ID\` / \`VAULT_SECRET_ID\`"
kubernetes\:"The pod'\''s service-account token with a Kubernetes auth role"))' \
'--token-file=[A file holding a Vault token]:PATH:_files' \
'--approle-dir=[The directory \`vaultform apply\` delivers \`role_id\` and \`secret_id\` to (the AppRole'\''s \`credentials_dir\`)]:DIR:_files' \
'--approle-mount=[The AppRole auth mount \[default\: approle\]]:MOUNT:_default' \
'--k8s-role=[The Kubernetes auth role to log in as]:ROLE:_default' \
'--k8s-mount=[The Kubernetes auth mount \[default\: kubernetes\]]:MOUNT:_default' \
'--k8s-token-file=[The service-account token \[default\: /var/run/secrets/kubernetes.io/serviceaccount/token\]]:PATH:_files' \
'--docker-secrets-dir=[Where Docker secrets are \[default\: /run/secrets\]]:DIR:_files' \
'--auth-wait=[Keep trying to log in this long while credentials are refused (e.g. a secret ID that expired while the service was down, until the next \`vaultform apply\` delivers a new one) \[default\: 0s\]]:DURATION:_default' \
'--format=[Output format]:FORMAT:((shell\:"\`export NAME='\''value'\''\` lines for \`eval\` or \`.\` in a POSIX shell"
dotenv\:"\`NAME="value"\` lines for a \`.env\` file"
json\:"One JSON object \`{"NAME"\: "value"}\`"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--require-vault[Every value must come from Vault\: no fallback (for production)]' \
'-q[Do not log where each value came from]' \
'--quiet[Do not log where each value came from]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(health)
_arguments "${_arguments_options[@]}" : \
'--service=[The service'\''s section (\`\[services.NAME\]\`) of the services file]:SERVICE:_default' \
'--services-file=[The services file]:SERVICES_FILE:_files' \
'*--secret=[A KV v2 secret to read, \`MOUNT/PATH\`, optionally with its keys\: \`secret/app/mongodb#root_username,root_password\` (repeatable). Keys named here can fall back to Docker secrets and the environment]:MOUNT/PATH[#KEYS]:_default' \
'--prefix=[Put this in front of every variable name]:PREFIX:_default' \
'*--rename=[Give a key its own variable name\: \`MOUNT/PATH#KEY=NAME\` (repeatable)]:MOUNT/PATH#KEY=NAME:_default' \
'*--auth=[Login methods, in the order tried]:AUTH:((token\:"\`VAULT_TOKEN\`, a token file, the Docker secret \`vault_token\`, \`~/.vault-token\`"
approle\:"\`role_id\` + \`secret_id\` files (as \`apply\` delivers them) or \`VAULT_ROLE_ID\` / \`VAULT_SECRET_ID\`"
kubernetes\:"The pod'\''s service-account token with a Kubernetes auth role"))' \
'--token-file=[A file holding a Vault token]:PATH:_files' \
'--approle-dir=[The directory \`vaultform apply\` delivers \`role_id\` and \`secret_id\` to (the AppRole'\''s \`credentials_dir\`)]:DIR:_files' \
'--approle-mount=[The AppRole auth mount \[default\: approle\]]:MOUNT:_default' \
'--k8s-role=[The Kubernetes auth role to log in as]:ROLE:_default' \
'--k8s-mount=[The Kubernetes auth mount \[default\: kubernetes\]]:MOUNT:_default' \
'--k8s-token-file=[The service-account token \[default\: /var/run/secrets/kubernetes.io/serviceaccount/token\]]:PATH:_files' \
'--docker-secrets-dir=[Where Docker secrets are \[default\: /run/secrets\]]:DIR:_files' \
'--auth-wait=[Keep trying to log in this long while credentials are refused (e.g. a secret ID that expired while the service was down, until the next \`vaultform apply\` delivers a new one) \[default\: 0s\]]:DURATION:_default' \
'--format=[Output format]:FORMAT:((human\:"For people"
json\:"The JSON report"
prometheus\:"Prometheus text exposition format"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--require-vault[Every value must come from Vault\: no fallback (for production)]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(policy)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
":: :_vaultform__subcmd__policy_commands" \
"*::: :->policy" \
&& ret=0

    case $state in
    (policy)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-policy-command-$line[1]:"
        case $line[1] in
            (can)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((human\:"For people"
json\:"For CI"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':principal -- A role address (`approle.approle/user`, `kubernetes_role.kubernetes/user`), or policy names separated by commas (`user-policy,default`):_default' \
':path -- The API path, e.g. `secret/data/user`:_default' \
&& ret=0
;;
(who)
_arguments "${_arguments_options[@]}" : \
'--format=[Output format]:FORMAT:((human\:"For people"
json\:"For CI"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--all[Also list roles that get nothing (\`deny\`)]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':path -- The API path, e.g. `secret/data/payments/db`, or a prefix `secret/data/payments/*`:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__policy__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-policy-help-command-$line[1]:"
        case $line[1] in
            (can)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(who)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
':shell -- The shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(schema)
_arguments "${_arguments_options[@]}" : \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(dev)
_arguments "${_arguments_options[@]}" : \
'--bao=[The OpenBao binary (else BAO_BIN, the project'\''s \`.tools/openbao-*\` install, or \`bao\` on the PATH)]:PATH:_files' \
'--dir=[Where AppRole credentials (and the root token) are written]:DIR:_files' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'--watch[Apply again when vault.toml, its env file or a policy file changes]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(import)
_arguments "${_arguments_options[@]}" : \
'*--kind=[Only resources of this kind (repeatable)\: \`mount\`, \`auth\`, \`policy\`, \`approle\`, \`kv\`, ... (the words of addresses)]:KIND:_default' \
'*--mount=[Only this mount or auth path and what lives on it (repeatable)]:PATH:_default' \
'--prefix=[Only resources whose address name starts with this (\`secret/app/\`)]:PREFIX:_default' \
'--name=[\`\[vaultform\] name\` of the new manifest (its ownership record)]:NAME:_default' \
'--ownership-mount=[\`\[vaultform\] ownership_mount\` of the new manifest]:OWNERSHIP_MOUNT:_default' \
'--format=[Output format of the report (the files are the same)]:FORMAT:((human\:"Sentences"
json\:"One JSON document (\`format_version\` 1, \`command\`); never a key, token or value"))' \
'-f+[The manifest]:MANIFEST:_files' \
'--manifest=[The manifest]:MANIFEST:_files' \
'--parallelism=[Maximum concurrent requests to Vault]:PARALLELISM:_default' \
'--address=[The server'\''s address (over BAO_ADDR / VAULT_ADDR)]:URL:_default' \
'--auth-method=[How vaultform logs in\: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)]:AUTH_METHOD:((token\:"\`VAULT_TOKEN\` or \`~/.vault-token\`"
approle\:"\`VAULT_ROLE_ID\`/\`VAULT_SECRET_ID\` (or \`..._FILE\`)"
jwt\:"\`VAULTFORM_JWT\` (or \`VAULTFORM_JWT_FILE\`) with role \`VAULTFORM_ROLE\`"
kubernetes\:"The pod'\''s service-account token with role \`VAULTFORM_ROLE\`"))' \
'(--with-values)--external[Declare secret values \`{ external = true }\` (kept as they are in Vault) instead of \`{ env = "NAME" }\`]' \
'--with-values[Also write the values to \`.env\` beside the manifest (mode 0600)]' \
'--force[Overwrite files that exist]' \
'--no-color[Never colour the output (also\: NO_COLOR)]' \
'*-v[More logging on stderr (-v info, -vv debug)]' \
'*--verbose[More logging on stderr (-v info, -vv debug)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-help-command-$line[1]:"
        case $line[1] in
            (validate)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(plan)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(apply)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(operator)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__help__subcmd__operator_commands" \
"*::: :->operator" \
&& ret=0

    case $state in
    (operator)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-help-operator-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(unseal)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(bootstrap)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(rotate)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__help__subcmd__rotate_commands" \
"*::: :->rotate" \
&& ret=0

    case $state in
    (rotate)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-help-rotate-command-$line[1]:"
        case $line[1] in
            (secret-id)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(secret)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(force-unlock)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(exec)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(env)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(health)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(policy)
_arguments "${_arguments_options[@]}" : \
":: :_vaultform__subcmd__help__subcmd__policy_commands" \
"*::: :->policy" \
&& ret=0

    case $state in
    (policy)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:vaultform-help-policy-command-$line[1]:"
        case $line[1] in
            (can)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(who)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(man)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schema)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(dev)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(import)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_vaultform_commands] )) ||
_vaultform_commands() {
    local commands; commands=(
'validate:Check the manifest and policies offline (no server needed)' \
'plan:Show what apply would change' \
'apply:Make Vault match the manifest' \
'operator:Initialise or unseal a server' \
'bootstrap:The whole start-up, idempotent\: wait for the server, init if needed, unseal if sealed, apply the manifest, deliver credentials' \
'rotate:Rotate AppRole secret IDs or generated secret values' \
'force-unlock:Release the apply lock of this manifest held by a dead apply (the id is in the error of the apply that waited for it)' \
'exec:A service'\''s side\: log in, read its secrets (falling back to Docker secrets and the environment), and run a command with them' \
'env:Print a service'\''s secrets as shell \`export\` lines, dotenv or JSON' \
'health:Report whether Vault (and a service'\''s login) is healthy; exit 0 if so, 1 if not' \
'policy:Ask the manifest'\''s policies, offline\: who can do what on a path' \
'completions:Print a shell completion script (e.g. \`vaultform completions bash > /etc/bash_completion.d/vaultform\`)' \
'man:Print the man page (roff), e.g. \`vaultform man > vaultform.1\`' \
'schema:Print the JSON Schema of vault.toml (for editors\: taplo, Even Better TOML), e.g. \`vaultform schema > vault.schema.json\`, then put \`#\:schema ./vault.schema.json\` on the manifest'\''s first line' \
'dev:A local OpenBao dev server with the manifest applied and AppRole credentials delivered, until Ctrl-C' \
'import:Write the manifest (\`-f\`), policies and \`.env.example\` that describe what a live server has\: it then plans no change, and its first apply only records ownership' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__apply_commands] )) ||
_vaultform__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform apply commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__bootstrap_commands] )) ||
_vaultform__subcmd__bootstrap_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform bootstrap commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__completions_commands] )) ||
_vaultform__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform completions commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__dev_commands] )) ||
_vaultform__subcmd__dev_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform dev commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__env_commands] )) ||
_vaultform__subcmd__env_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform env commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__exec_commands] )) ||
_vaultform__subcmd__exec_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform exec commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__force-unlock_commands] )) ||
_vaultform__subcmd__force-unlock_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform force-unlock commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__health_commands] )) ||
_vaultform__subcmd__health_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform health commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help_commands] )) ||
_vaultform__subcmd__help_commands() {
    local commands; commands=(
'validate:Check the manifest and policies offline (no server needed)' \
'plan:Show what apply would change' \
'apply:Make Vault match the manifest' \
'operator:Initialise or unseal a server' \
'bootstrap:The whole start-up, idempotent\: wait for the server, init if needed, unseal if sealed, apply the manifest, deliver credentials' \
'rotate:Rotate AppRole secret IDs or generated secret values' \
'force-unlock:Release the apply lock of this manifest held by a dead apply (the id is in the error of the apply that waited for it)' \
'exec:A service'\''s side\: log in, read its secrets (falling back to Docker secrets and the environment), and run a command with them' \
'env:Print a service'\''s secrets as shell \`export\` lines, dotenv or JSON' \
'health:Report whether Vault (and a service'\''s login) is healthy; exit 0 if so, 1 if not' \
'policy:Ask the manifest'\''s policies, offline\: who can do what on a path' \
'completions:Print a shell completion script (e.g. \`vaultform completions bash > /etc/bash_completion.d/vaultform\`)' \
'man:Print the man page (roff), e.g. \`vaultform man > vaultform.1\`' \
'schema:Print the JSON Schema of vault.toml (for editors\: taplo, Even Better TOML), e.g. \`vaultform schema > vault.schema.json\`, then put \`#\:schema ./vault.schema.json\` on the manifest'\''s first line' \
'dev:A local OpenBao dev server with the manifest applied and AppRole credentials delivered, until Ctrl-C' \
'import:Write the manifest (\`-f\`), policies and \`.env.example\` that describe what a live server has\: it then plans no change, and its first apply only records ownership' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__apply_commands] )) ||
_vaultform__subcmd__help__subcmd__apply_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help apply commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__bootstrap_commands] )) ||
_vaultform__subcmd__help__subcmd__bootstrap_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help bootstrap commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__completions_commands] )) ||
_vaultform__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help completions commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__dev_commands] )) ||
_vaultform__subcmd__help__subcmd__dev_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help dev commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__env_commands] )) ||
_vaultform__subcmd__help__subcmd__env_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help env commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__exec_commands] )) ||
_vaultform__subcmd__help__subcmd__exec_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help exec commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__force-unlock_commands] )) ||
_vaultform__subcmd__help__subcmd__force-unlock_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help force-unlock commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__health_commands] )) ||
_vaultform__subcmd__help__subcmd__health_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help health commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__help_commands] )) ||
_vaultform__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__import_commands] )) ||
_vaultform__subcmd__help__subcmd__import_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help import commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__man_commands] )) ||
_vaultform__subcmd__help__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help man commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__operator_commands] )) ||
_vaultform__subcmd__help__subcmd__operator_commands() {
    local commands; commands=(
'init:Initialise an uninitialised server and write its unseal keys and root token to a keys file (mode 0600; optionally encrypted with age)' \
'unseal:Unseal a sealed server with the threshold of keys from the keys file (or from stdin); a no-op on an unsealed server' \
    )
    _describe -t commands 'vaultform help operator commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__operator__subcmd__init_commands] )) ||
_vaultform__subcmd__help__subcmd__operator__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help operator init commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__operator__subcmd__unseal_commands] )) ||
_vaultform__subcmd__help__subcmd__operator__subcmd__unseal_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help operator unseal commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__plan_commands] )) ||
_vaultform__subcmd__help__subcmd__plan_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help plan commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__policy_commands] )) ||
_vaultform__subcmd__help__subcmd__policy_commands() {
    local commands; commands=(
'can:What PRINCIPAL may do on PATH, and the rule that decides it' \
'who:Which roles of the manifest get which capabilities on PATH (a path ending in \`*\` is a prefix\: every rule path under it is listed too)' \
    )
    _describe -t commands 'vaultform help policy commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__policy__subcmd__can_commands] )) ||
_vaultform__subcmd__help__subcmd__policy__subcmd__can_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help policy can commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__policy__subcmd__who_commands] )) ||
_vaultform__subcmd__help__subcmd__policy__subcmd__who_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help policy who commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__rotate_commands] )) ||
_vaultform__subcmd__help__subcmd__rotate_commands() {
    local commands; commands=(
'secret-id:Issue a new secret ID for an AppRole of the manifest, deliver it to its credentials_dir, and destroy the old ones' \
'secret:Give a \`generate\`d key of a secret a new random value (a new KV version)' \
    )
    _describe -t commands 'vaultform help rotate commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__rotate__subcmd__secret_commands] )) ||
_vaultform__subcmd__help__subcmd__rotate__subcmd__secret_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help rotate secret commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__rotate__subcmd__secret-id_commands] )) ||
_vaultform__subcmd__help__subcmd__rotate__subcmd__secret-id_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help rotate secret-id commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__schema_commands] )) ||
_vaultform__subcmd__help__subcmd__schema_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help schema commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__help__subcmd__validate_commands] )) ||
_vaultform__subcmd__help__subcmd__validate_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform help validate commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__import_commands] )) ||
_vaultform__subcmd__import_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform import commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__man_commands] )) ||
_vaultform__subcmd__man_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform man commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator_commands] )) ||
_vaultform__subcmd__operator_commands() {
    local commands; commands=(
'init:Initialise an uninitialised server and write its unseal keys and root token to a keys file (mode 0600; optionally encrypted with age)' \
'unseal:Unseal a sealed server with the threshold of keys from the keys file (or from stdin); a no-op on an unsealed server' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform operator commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator__subcmd__help_commands] )) ||
_vaultform__subcmd__operator__subcmd__help_commands() {
    local commands; commands=(
'init:Initialise an uninitialised server and write its unseal keys and root token to a keys file (mode 0600; optionally encrypted with age)' \
'unseal:Unseal a sealed server with the threshold of keys from the keys file (or from stdin); a no-op on an unsealed server' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform operator help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator__subcmd__help__subcmd__help_commands] )) ||
_vaultform__subcmd__operator__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform operator help help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator__subcmd__help__subcmd__init_commands] )) ||
_vaultform__subcmd__operator__subcmd__help__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform operator help init commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator__subcmd__help__subcmd__unseal_commands] )) ||
_vaultform__subcmd__operator__subcmd__help__subcmd__unseal_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform operator help unseal commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator__subcmd__init_commands] )) ||
_vaultform__subcmd__operator__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform operator init commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__operator__subcmd__unseal_commands] )) ||
_vaultform__subcmd__operator__subcmd__unseal_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform operator unseal commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__plan_commands] )) ||
_vaultform__subcmd__plan_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform plan commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy_commands] )) ||
_vaultform__subcmd__policy_commands() {
    local commands; commands=(
'can:What PRINCIPAL may do on PATH, and the rule that decides it' \
'who:Which roles of the manifest get which capabilities on PATH (a path ending in \`*\` is a prefix\: every rule path under it is listed too)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform policy commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy__subcmd__can_commands] )) ||
_vaultform__subcmd__policy__subcmd__can_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform policy can commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy__subcmd__help_commands] )) ||
_vaultform__subcmd__policy__subcmd__help_commands() {
    local commands; commands=(
'can:What PRINCIPAL may do on PATH, and the rule that decides it' \
'who:Which roles of the manifest get which capabilities on PATH (a path ending in \`*\` is a prefix\: every rule path under it is listed too)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform policy help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy__subcmd__help__subcmd__can_commands] )) ||
_vaultform__subcmd__policy__subcmd__help__subcmd__can_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform policy help can commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy__subcmd__help__subcmd__help_commands] )) ||
_vaultform__subcmd__policy__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform policy help help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy__subcmd__help__subcmd__who_commands] )) ||
_vaultform__subcmd__policy__subcmd__help__subcmd__who_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform policy help who commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__policy__subcmd__who_commands] )) ||
_vaultform__subcmd__policy__subcmd__who_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform policy who commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate_commands] )) ||
_vaultform__subcmd__rotate_commands() {
    local commands; commands=(
'secret-id:Issue a new secret ID for an AppRole of the manifest, deliver it to its credentials_dir, and destroy the old ones' \
'secret:Give a \`generate\`d key of a secret a new random value (a new KV version)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform rotate commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate__subcmd__help_commands] )) ||
_vaultform__subcmd__rotate__subcmd__help_commands() {
    local commands; commands=(
'secret-id:Issue a new secret ID for an AppRole of the manifest, deliver it to its credentials_dir, and destroy the old ones' \
'secret:Give a \`generate\`d key of a secret a new random value (a new KV version)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'vaultform rotate help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate__subcmd__help__subcmd__help_commands] )) ||
_vaultform__subcmd__rotate__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform rotate help help commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate__subcmd__help__subcmd__secret_commands] )) ||
_vaultform__subcmd__rotate__subcmd__help__subcmd__secret_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform rotate help secret commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate__subcmd__help__subcmd__secret-id_commands] )) ||
_vaultform__subcmd__rotate__subcmd__help__subcmd__secret-id_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform rotate help secret-id commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate__subcmd__secret_commands] )) ||
_vaultform__subcmd__rotate__subcmd__secret_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform rotate secret commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__rotate__subcmd__secret-id_commands] )) ||
_vaultform__subcmd__rotate__subcmd__secret-id_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform rotate secret-id commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__schema_commands] )) ||
_vaultform__subcmd__schema_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform schema commands' commands "$@"
}
(( $+functions[_vaultform__subcmd__validate_commands] )) ||
_vaultform__subcmd__validate_commands() {
    local commands; commands=()
    _describe -t commands 'vaultform validate commands' commands "$@"
}

if [ "$funcstack[1]" = "_vaultform" ]; then
    _vaultform "$@"
else
    compdef _vaultform vaultform
fi
