# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vaultform_global_optspecs
    string join \n f/manifest= parallelism= address= no-color auth-method= v/verbose h/help V/version
end

function __fish_vaultform_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vaultform_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vaultform_using_subcommand
    set -l cmd (__fish_vaultform_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vaultform -n "__fish_vaultform_needs_command" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_needs_command" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_needs_command" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_needs_command" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_needs_command" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_needs_command" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_needs_command" -s V -l version -d 'Print version'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "validate" -d 'Check the manifest and policies offline (no server needed)'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "plan" -d 'Show what apply would change'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "apply" -d 'Make Vault match the manifest'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "operator" -d 'Initialise or unseal a server'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "bootstrap" -d 'The whole start-up, idempotent: wait for the server, init if needed, unseal if sealed, apply the manifest, deliver credentials'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "rotate" -d 'Rotate AppRole secret IDs or generated secret values'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "force-unlock" -d 'Release the apply lock of this manifest held by a dead apply (the id is in the error of the apply that waited for it)'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "exec" -d 'A service\'s side: log in, read its secrets (falling back to Docker secrets and the environment), and run a command with them'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "env" -d 'Print a service\'s secrets as shell `export` lines, dotenv or JSON'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "health" -d 'Report whether Vault (and a service\'s login) is healthy; exit 0 if so, 1 if not'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "policy" -d 'Ask the manifest\'s policies, offline: who can do what on a path'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "completions" -d 'Print a shell completion script (e.g. `vaultform completions bash > /etc/bash_completion.d/vaultform`)'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "man" -d 'Print the man page (roff), e.g. `vaultform man > vaultform.1`'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "schema" -d 'Print the JSON Schema of vault.toml (for editors: taplo, Even Better TOML), e.g. `vaultform schema > vault.schema.json`, then put `#:schema ./vault.schema.json` on the manifest\'s first line'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "dev" -d 'A local OpenBao dev server with the manifest applied and AppRole credentials delivered, until Ctrl-C'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "import" -d 'Write the manifest (`-f`), policies and `.env.example` that describe what a live server has: it then plans no change, and its first apply only records ownership'
complete -c vaultform -n "__fish_vaultform_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -l format -d 'Output format' -r -f -a "human\t'For people; problems as diagnostics on stderr'
json\t'One JSON document on stdout, valid or not: `format_version`, `valid`, `manifest`, `resources` (counts by kind), `warnings`, and when invalid `error` (the diagnostic: code, message, help, labels with byte offsets, related problems; never a value)'"
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l format -d 'Output format' -r -f -a "human\t'For people'
json\t'Machine-readable, versioned (`format_version`)'
markdown\t'For pull-request comments'"
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l out -d 'Save the plan for `vaultform apply FILE` (holds no secret value)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l metrics-file -d 'Write Prometheus metrics of this check (drift by kind, success, timestamp, duration) to this file, atomically' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l target -d 'Limit the plan to this resource and what it depends on (repeatable), e.g. `policy.user-policy`, `approle.approle/user`, `kv.secret/user_db`' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l detailed-exitcode -d 'Exit 0 when there are no changes, 2 when there are, 1 on error'
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l compact -d 'One line per change (what changes, not how): for large plans'
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l target -d 'Limit the apply to this resource and what it depends on (repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l lock-timeout -d 'How long to wait for another apply of this manifest to release the apply lock before failing (naming the holder)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l format -d 'Output format: `json` prints one document at the end (the plan as `plan --format json` shows it, what was applied, the counts); it needs --auto-approve or a saved plan (there is no prompt)' -r -f -a "human\t'The plan, then a line of counts'
json\t'One versioned document (`format_version`) at the end'"
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l auto-approve -d 'Apply without asking for confirmation'
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l allow-destroy -d 'Allow changes that destroy data (deleting or replacing mounts and auth methods)'
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l compact -d 'Show the plan with one line per change'
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -f -a "init" -d 'Initialise an uninitialised server and write its unseal keys and root token to a keys file (mode 0600; optionally encrypted with age)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -f -a "unseal" -d 'Unseal a sealed server with the threshold of keys from the keys file (or from stdin); a no-op on an unsealed server'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and not __fish_seen_subcommand_from init unseal help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l key-shares -d 'Number of unseal key shares' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l key-threshold -d 'Number of shares needed to unseal' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l keys-file -d 'Where to write the keys and root token (refuses to overwrite)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l recipient -d 'Encrypt the keys file to this age recipient (`age1...`; repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l format -d 'Output format' -r -f -a "human\t'Sentences'
json\t'One JSON document (`format_version` 1, `command`); never a key, token or value'"
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l keys-file -d 'The keys file written by `operator init`' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l identity -d 'age identity file to decrypt an encrypted keys file' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l format -d 'Output format' -r -f -a "human\t'Sentences'
json\t'One JSON document (`format_version` 1, `command`); never a key, token or value'"
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l keys-stdin -d 'Read unseal keys from stdin, one per line, instead of the keys file'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from unseal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "init" -d 'Initialise an uninitialised server and write its unseal keys and root token to a keys file (mode 0600; optionally encrypted with age)'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "unseal" -d 'Unseal a sealed server with the threshold of keys from the keys file (or from stdin); a no-op on an unsealed server'
complete -c vaultform -n "__fish_vaultform_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l keys-file -d 'The keys file: written on init, read to unseal and (when VAULT_TOKEN is not set) for the root token' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l identity -d 'age identity file to decrypt an encrypted keys file' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l recipient -d 'Encrypt a newly written keys file to this age recipient (repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l key-shares -d 'Number of unseal key shares on init' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l key-threshold -d 'Number of shares needed to unseal, on init' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l wait -d 'How long to wait for the server to answer' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l lock-timeout -d 'How long to wait for another apply of this manifest to finish' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l format -d 'Output format of the apply (stdout; progress goes to stderr)' -r -f -a "human\t'The plan, then a line of counts'
json\t'One versioned document (`format_version`) at the end'"
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l allow-destroy -d 'Allow changes that destroy data'
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand bootstrap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -f -a "secret-id" -d 'Issue a new secret ID for an AppRole of the manifest, deliver it to its credentials_dir, and destroy the old ones'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -f -a "secret" -d 'Give a `generate`d key of a secret a new random value (a new KV version)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and not __fish_seen_subcommand_from secret-id secret help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -l format -d 'Output format' -r -f -a "human\t'Sentences'
json\t'One JSON document (`format_version` 1, `command`); never a key, token or value'"
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -l keep-old -d 'Keep the old secret IDs valid'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret-id" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -l format -d 'Output format' -r -f -a "human\t'Sentences'
json\t'One JSON document (`format_version` 1, `command`); never a key, token or value'"
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from secret" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "secret-id" -d 'Issue a new secret ID for an AppRole of the manifest, deliver it to its credentials_dir, and destroy the old ones'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "secret" -d 'Give a `generate`d key of a secret a new random value (a new KV version)'
complete -c vaultform -n "__fish_vaultform_using_subcommand rotate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand force-unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l service -d 'The service\'s section (`[services.NAME]`) of the services file' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l services-file -d 'The services file' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l secret -d 'A KV v2 secret to read, `MOUNT/PATH`, optionally with its keys: `secret/app/mongodb#root_username,root_password` (repeatable). Keys named here can fall back to Docker secrets and the environment' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l prefix -d 'Put this in front of every variable name' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l rename -d 'Give a key its own variable name: `MOUNT/PATH#KEY=NAME` (repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l auth -d 'Login methods, in the order tried' -r -f -a "token\t'`VAULT_TOKEN`, a token file, the Docker secret `vault_token`, `~/.vault-token`'
approle\t'`role_id` + `secret_id` files (as `apply` delivers them) or `VAULT_ROLE_ID` / `VAULT_SECRET_ID`'
kubernetes\t'The pod\'s service-account token with a Kubernetes auth role'"
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l token-file -d 'A file holding a Vault token' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l approle-dir -d 'The directory `vaultform apply` delivers `role_id` and `secret_id` to (the AppRole\'s `credentials_dir`)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l approle-mount -d 'The AppRole auth mount [default: approle]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l k8s-role -d 'The Kubernetes auth role to log in as' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l k8s-mount -d 'The Kubernetes auth mount [default: kubernetes]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l k8s-token-file -d 'The service-account token [default: /var/run/secrets/kubernetes.io/serviceaccount/token]' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l docker-secrets-dir -d 'Where Docker secrets are [default: /run/secrets]' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l auth-wait -d 'Keep trying to log in this long while credentials are refused (e.g. a secret ID that expired while the service was down, until the next `vaultform apply` delivers a new one) [default: 0s]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l render-dir -d 'Write each value to DIR/NAME (0600, directory 0700, atomically) and give the command NAME_FILE=DIR/NAME instead of the value. Without a command, render and exit (a one-shot for images that read *_FILE)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l render-owner -d 'Owner of rendered files and their directory, `UID[:GID]` (needs root)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l watch -d 'Re-read the secrets this often; on a change, restart or signal the command. vaultform then stays as the command\'s parent' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l on-change -d 'What a change does under --watch [default: restart]' -r -f -a "restart\t'Stop the child (the kill signal, then SIGKILL after the timeout) and start it again with the new values'
signal\t'Send the child the watch signal (rendered files are rewritten first)'"
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l watch-signal -d 'The signal sent on a change with --on-change signal' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l kill-signal -d 'The signal that stops the command for a restart' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l kill-timeout -d 'How long the command may take to stop before SIGKILL' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l require-vault -d 'Every value must come from Vault: no fallback (for production)'
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -s q -l quiet -d 'Do not log where each value came from'
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l service -d 'The service\'s section (`[services.NAME]`) of the services file' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l services-file -d 'The services file' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l secret -d 'A KV v2 secret to read, `MOUNT/PATH`, optionally with its keys: `secret/app/mongodb#root_username,root_password` (repeatable). Keys named here can fall back to Docker secrets and the environment' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l prefix -d 'Put this in front of every variable name' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l rename -d 'Give a key its own variable name: `MOUNT/PATH#KEY=NAME` (repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l auth -d 'Login methods, in the order tried' -r -f -a "token\t'`VAULT_TOKEN`, a token file, the Docker secret `vault_token`, `~/.vault-token`'
approle\t'`role_id` + `secret_id` files (as `apply` delivers them) or `VAULT_ROLE_ID` / `VAULT_SECRET_ID`'
kubernetes\t'The pod\'s service-account token with a Kubernetes auth role'"
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l token-file -d 'A file holding a Vault token' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l approle-dir -d 'The directory `vaultform apply` delivers `role_id` and `secret_id` to (the AppRole\'s `credentials_dir`)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l approle-mount -d 'The AppRole auth mount [default: approle]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l k8s-role -d 'The Kubernetes auth role to log in as' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l k8s-mount -d 'The Kubernetes auth mount [default: kubernetes]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l k8s-token-file -d 'The service-account token [default: /var/run/secrets/kubernetes.io/serviceaccount/token]' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l docker-secrets-dir -d 'Where Docker secrets are [default: /run/secrets]' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l auth-wait -d 'Keep trying to log in this long while credentials are refused (e.g. a secret ID that expired while the service was down, until the next `vaultform apply` delivers a new one) [default: 0s]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l format -d 'Output format' -r -f -a "shell\t'`export NAME=\'value\'` lines for `eval` or `.` in a POSIX shell'
dotenv\t'`NAME="value"` lines for a `.env` file'
json\t'One JSON object `{"NAME": "value"}`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l require-vault -d 'Every value must come from Vault: no fallback (for production)'
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -s q -l quiet -d 'Do not log where each value came from'
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand env" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l service -d 'The service\'s section (`[services.NAME]`) of the services file' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l services-file -d 'The services file' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l secret -d 'A KV v2 secret to read, `MOUNT/PATH`, optionally with its keys: `secret/app/mongodb#root_username,root_password` (repeatable). Keys named here can fall back to Docker secrets and the environment' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l prefix -d 'Put this in front of every variable name' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l rename -d 'Give a key its own variable name: `MOUNT/PATH#KEY=NAME` (repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l auth -d 'Login methods, in the order tried' -r -f -a "token\t'`VAULT_TOKEN`, a token file, the Docker secret `vault_token`, `~/.vault-token`'
approle\t'`role_id` + `secret_id` files (as `apply` delivers them) or `VAULT_ROLE_ID` / `VAULT_SECRET_ID`'
kubernetes\t'The pod\'s service-account token with a Kubernetes auth role'"
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l token-file -d 'A file holding a Vault token' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l approle-dir -d 'The directory `vaultform apply` delivers `role_id` and `secret_id` to (the AppRole\'s `credentials_dir`)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l approle-mount -d 'The AppRole auth mount [default: approle]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l k8s-role -d 'The Kubernetes auth role to log in as' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l k8s-mount -d 'The Kubernetes auth mount [default: kubernetes]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l k8s-token-file -d 'The service-account token [default: /var/run/secrets/kubernetes.io/serviceaccount/token]' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l docker-secrets-dir -d 'Where Docker secrets are [default: /run/secrets]' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l auth-wait -d 'Keep trying to log in this long while credentials are refused (e.g. a secret ID that expired while the service was down, until the next `vaultform apply` delivers a new one) [default: 0s]' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l format -d 'Output format' -r -f -a "human\t'For people'
json\t'The JSON report'
prometheus\t'Prometheus text exposition format'"
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l require-vault -d 'Every value must come from Vault: no fallback (for production)'
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -f -a "can" -d 'What PRINCIPAL may do on PATH, and the rule that decides it'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -f -a "who" -d 'Which roles of the manifest get which capabilities on PATH (a path ending in `*` is a prefix: every rule path under it is listed too)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and not __fish_seen_subcommand_from can who help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -l format -d 'Output format' -r -f -a "human\t'For people'
json\t'For CI'"
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from can" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -l format -d 'Output format' -r -f -a "human\t'For people'
json\t'For CI'"
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -l all -d 'Also list roles that get nothing (`deny`)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from who" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "can" -d 'What PRINCIPAL may do on PATH, and the rule that decides it'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "who" -d 'Which roles of the manifest get which capabilities on PATH (a path ending in `*` is a prefix: every rule path under it is listed too)'
complete -c vaultform -n "__fish_vaultform_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l bao -d 'The OpenBao binary (else BAO_BIN, the project\'s `.tools/openbao-*` install, or `bao` on the PATH)' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l dir -d 'Where AppRole credentials (and the root token) are written' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l watch -d 'Apply again when vault.toml, its env file or a policy file changes'
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand dev" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l kind -d 'Only resources of this kind (repeatable): `mount`, `auth`, `policy`, `approle`, `kv`, ... (the words of addresses)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l mount -d 'Only this mount or auth path and what lives on it (repeatable)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l prefix -d 'Only resources whose address name starts with this (`secret/app/`)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l name -d '`[vaultform] name` of the new manifest (its ownership record)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l ownership-mount -d '`[vaultform] ownership_mount` of the new manifest' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l format -d 'Output format of the report (the files are the same)' -r -f -a "human\t'Sentences'
json\t'One JSON document (`format_version` 1, `command`); never a key, token or value'"
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -s f -l manifest -d 'The manifest' -r -F
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l parallelism -d 'Maximum concurrent requests to Vault' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l address -d 'The server\'s address (over BAO_ADDR / VAULT_ADDR)' -r
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l auth-method -d 'How vaultform logs in: a token (VAULT_TOKEN, ~/.vault-token), or AppRole, JWT or Kubernetes for CI and cron (the token obtained is revoked at the end)' -r -f -a "token\t'`VAULT_TOKEN` or `~/.vault-token`'
approle\t'`VAULT_ROLE_ID`/`VAULT_SECRET_ID` (or `..._FILE`)'
jwt\t'`VAULTFORM_JWT` (or `VAULTFORM_JWT_FILE`) with role `VAULTFORM_ROLE`'
kubernetes\t'The pod\'s service-account token with role `VAULTFORM_ROLE`'"
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l external -d 'Declare secret values `{ external = true }` (kept as they are in Vault) instead of `{ env = "NAME" }`'
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l with-values -d 'Also write the values to `.env` beside the manifest (mode 0600)'
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l force -d 'Overwrite files that exist'
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -l no-color -d 'Never colour the output (also: NO_COLOR)'
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -s v -l verbose -d 'More logging on stderr (-v info, -vv debug)'
complete -c vaultform -n "__fish_vaultform_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "validate" -d 'Check the manifest and policies offline (no server needed)'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "plan" -d 'Show what apply would change'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "apply" -d 'Make Vault match the manifest'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "operator" -d 'Initialise or unseal a server'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "bootstrap" -d 'The whole start-up, idempotent: wait for the server, init if needed, unseal if sealed, apply the manifest, deliver credentials'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "rotate" -d 'Rotate AppRole secret IDs or generated secret values'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "force-unlock" -d 'Release the apply lock of this manifest held by a dead apply (the id is in the error of the apply that waited for it)'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "exec" -d 'A service\'s side: log in, read its secrets (falling back to Docker secrets and the environment), and run a command with them'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "env" -d 'Print a service\'s secrets as shell `export` lines, dotenv or JSON'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "health" -d 'Report whether Vault (and a service\'s login) is healthy; exit 0 if so, 1 if not'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "policy" -d 'Ask the manifest\'s policies, offline: who can do what on a path'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "completions" -d 'Print a shell completion script (e.g. `vaultform completions bash > /etc/bash_completion.d/vaultform`)'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "man" -d 'Print the man page (roff), e.g. `vaultform man > vaultform.1`'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "schema" -d 'Print the JSON Schema of vault.toml (for editors: taplo, Even Better TOML), e.g. `vaultform schema > vault.schema.json`, then put `#:schema ./vault.schema.json` on the manifest\'s first line'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "dev" -d 'A local OpenBao dev server with the manifest applied and AppRole credentials delivered, until Ctrl-C'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "import" -d 'Write the manifest (`-f`), policies and `.env.example` that describe what a live server has: it then plans no change, and its first apply only records ownership'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and not __fish_seen_subcommand_from validate plan apply operator bootstrap rotate force-unlock exec env health policy completions man schema dev import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "init" -d 'Initialise an uninitialised server and write its unseal keys and root token to a keys file (mode 0600; optionally encrypted with age)'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "unseal" -d 'Unseal a sealed server with the threshold of keys from the keys file (or from stdin); a no-op on an unsealed server'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and __fish_seen_subcommand_from rotate" -f -a "secret-id" -d 'Issue a new secret ID for an AppRole of the manifest, deliver it to its credentials_dir, and destroy the old ones'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and __fish_seen_subcommand_from rotate" -f -a "secret" -d 'Give a `generate`d key of a secret a new random value (a new KV version)'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "can" -d 'What PRINCIPAL may do on PATH, and the rule that decides it'
complete -c vaultform -n "__fish_vaultform_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "who" -d 'Which roles of the manifest get which capabilities on PATH (a path ending in `*` is a prefix: every rule path under it is listed too)'
