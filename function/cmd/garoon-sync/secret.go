package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"golang.org/x/term"

	"garoon-calendar-sync/shared/contract"
)

const secretUsage = `Usage: garoon-sync secret put   (--env NAME | --secret-id ID) [--from-file FILE] [--ask KEY[,KEY]]
       garoon-sync secret check (--env NAME | --secret-id ID | --secret-file FILE)

put writes the environment's Secrets Manager secret: it keeps the values
already stored, takes the keys in --from-file (a JSON object, e.g. what
` + "`garoon-sync authorize --out`" + ` wrote, or the secret of an older manual setup),
and asks on the terminal for every required key still missing and for the
keys named by --ask (the Gmail app password without echo). Every key is
validated before anything is written. Values are never printed.

check validates what is stored: one line per key, OK, MISSING or WARN.
gmail_password is needed only for app-password login: a secret without it,
or with gmail_auth "oauth", reads Gmail with the Google token (see
` + "`garoon-sync authorize --gmail`" + `).

The secret of environment NAME is ` + "`" + `garoon-calendar-sync/NAME` + "`" + ` (created, empty, by
` + "`make deploy ENV=NAME`" + `). AWS credentials and region come from the usual places
(AWS_PROFILE, AWS_REGION, …).

Examples:
  garoon-sync secret put --env dev --from-file token.json
  garoon-sync secret put --env prod --ask gmail_password
  garoon-sync secret check --env prod
`

func cmdSecret(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "put" && args[0] != "check") {
		fmt.Fprint(stderr, secretUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return exitOK
		}
		return exitUsage
	}
	verb := args[0]
	fs := flag.NewFlagSet("secret "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, secretUsage, "\nFlags:\n"); fs.PrintDefaults() }
	env := fs.String("env", "", "environment name: the secret "+contract.SecretName("NAME"))
	id := fs.String("secret-id", "", "secret name or ARN (instead of --env)")
	fromFile := fs.String("from-file", "", "put: JSON object file with keys to store")
	ask := fs.String("ask", "", "put: comma-separated keys to ask for even if stored (e.g. gmail_password)")
	secretFile := fs.String("secret-file", "", "check: validate this local file instead of Secrets Manager")
	if err := fs.Parse(args[1:]); err != nil {
		return flagExit(err)
	}
	if *id == "" && *env != "" {
		*id = contract.SecretName(*env)
	}
	if *id == "" && (verb == "put" || *secretFile == "") {
		fmt.Fprintln(stderr, "garoon-sync secret: give --env NAME or --secret-id ID")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if verb == "check" {
		return secretCheck(ctx, *id, *secretFile, stdout, stderr)
	}
	return secretPut(ctx, *id, *fromFile, *ask, os.Stdin, stdout, stderr)
}

// allKeys are the secret's keys in the order a person fills them in.
var allKeys = append(slices.Clone(contract.RequiredKeys), contract.KeyCalendarID, contract.KeyIMAPMailbox, contract.KeyGmailAuth)

// gmailOAuth reports whether the values log in to Gmail with the Google
// token: gmail_auth "oauth", or no gmail_auth and no gmail_password (as
// secret.Parse decides).
func gmailOAuth(v map[string]string) bool {
	switch strings.TrimSpace(v[contract.KeyGmailAuth]) {
	case contract.GmailAuthOAuth:
		return true
	case "":
		return strings.TrimSpace(v[contract.KeyGmailPassword]) == ""
	}
	return false
}

// required reports whether key must be set in v.
func required(key string, v map[string]string) bool {
	if key == contract.KeyGmailPassword {
		return !gmailOAuth(v)
	}
	return slices.Contains(contract.RequiredKeys, key)
}

func smClient(ctx context.Context) (*secretsmanager.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (e.g. ap-northeast-1) or a profile with a region")
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// stored reads the secret's current JSON object; a secret without a value
// yet is an empty object.
func stored(ctx context.Context, sm *secretsmanager.Client, id string) (map[string]string, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound) && strings.Contains(err.Error(), "AWSCURRENT"):
		// "can't find the specified secret value for staging label:
		// AWSCURRENT": created by the stack, never filled.
		return map[string]string{}, nil
	case errors.As(err, &notFound):
		return nil, fmt.Errorf("secret %s does not exist: deploy the environment first (make deploy ENV=…)", id)
	case err != nil:
		return nil, fmt.Errorf("read secret %s: %w", id, err)
	}
	values := map[string]string{}
	if out.SecretString != nil && *out.SecretString != "" {
		if err := json.Unmarshal([]byte(*out.SecretString), &values); err != nil {
			return nil, fmt.Errorf("secret %s is not a JSON object of strings; it will not be merged (fix it in the console)", id)
		}
	}
	return values, nil
}

func secretPut(ctx context.Context, id, fromFile, ask string, stdin *os.File, stdout, stderr io.Writer) int {
	fail := func(err error) int { fmt.Fprintf(stderr, "garoon-sync secret put: %v\n", err); return exitFail }
	sm, err := smClient(ctx)
	if err != nil {
		return fail(err)
	}
	values, err := stored(ctx, sm, id)
	if err != nil {
		return fail(err)
	}
	before := maps.Clone(values)
	if fromFile != "" {
		var more map[string]string
		b, err := os.ReadFile(fromFile)
		if err == nil {
			err = json.Unmarshal(b, &more)
		}
		if err != nil {
			return fail(fmt.Errorf("%s: want a JSON object of strings: %w", fromFile, errors.Unwrap(err)))
		}
		for k, v := range more {
			if v != "" {
				values[k] = v
			}
		}
	}
	askFor := map[string]bool{}
	for k := range strings.SplitSeq(ask, ",") {
		if k = strings.TrimSpace(k); k != "" {
			if !slices.Contains(allKeys, k) {
				return fail(fmt.Errorf("--ask %s: not a secret key (keys: %s)", k, strings.Join(allKeys, ", ")))
			}
			askFor[k] = true
		}
	}
	var missing []string
	for _, k := range allKeys {
		if askFor[k] || required(k, values) && strings.TrimSpace(values[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		if !term.IsTerminal(int(stdin.Fd())) {
			return fail(fmt.Errorf("missing %s and no terminal to ask on: pass them in --from-file", strings.Join(missing, ", ")))
		}
		in := bufio.NewReader(stdin)
		for _, k := range missing {
			v, err := prompt(in, stdin, stderr, k)
			if err != nil {
				return fail(err)
			}
			values[k] = v
		}
	}
	problems, warnings := validate(values)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "invalid:", p)
		}
		return fail(errors.New("nothing was written"))
	}
	b, _ := json.Marshal(values)
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(string(b))}); err != nil {
		return fail(fmt.Errorf("write secret %s: %w", id, err))
	}
	// Names only, never values: what changed and what was kept.
	var changed, kept []string
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if old, ok := before[k]; ok && old == values[k] {
			kept = append(kept, k)
		} else {
			changed = append(changed, k)
		}
	}
	fmt.Fprintf(stdout, "updated %s: changed %s", id, cmp.Or(strings.Join(changed, ", "), "nothing"))
	if len(kept) > 0 {
		fmt.Fprintf(stdout, "; kept %s", strings.Join(kept, ", "))
	}
	fmt.Fprintln(stdout)
	return exitOK
}

func prompt(in *bufio.Reader, f *os.File, stderr io.Writer, key string) (string, error) {
	fmt.Fprintf(stderr, "%s: ", key)
	if key == contract.KeyGmailPassword || key == contract.KeyGoogleClientSecret || key == contract.KeyGoogleRefreshToken {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		return strings.TrimSpace(string(b)), err
	}
	line, err := in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading %s: %w", key, err)
	}
	return strings.TrimSpace(line), nil
}

// validate checks every key; problems stop a write, warnings do not.
func validate(v map[string]string) (problems, warnings []string) {
	for _, k := range contract.RequiredKeys {
		if required(k, v) && strings.TrimSpace(v[k]) == "" {
			problems = append(problems, k+" is missing")
		}
	}
	switch a := strings.TrimSpace(v[contract.KeyGmailAuth]); a {
	case "", contract.GmailAuthPassword, contract.GmailAuthOAuth:
	default:
		problems = append(problems, fmt.Sprintf("%s is %q: want %s or %s", contract.KeyGmailAuth, a, contract.GmailAuthPassword, contract.GmailAuthOAuth))
	}
	for _, k := range []string{contract.KeyGmailAddress, contract.KeyGaroonSender} {
		if s := v[k]; s != "" {
			if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
				problems = append(problems, fmt.Sprintf("%s is not an e-mail address", k))
			}
		}
	}
	if p := v[contract.KeyGmailPassword]; p != "" {
		letters := strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, p)
		if len(letters) != 16 {
			warnings = append(warnings, "gmail_password is not 16 letters: Gmail app passwords are (https://myaccount.google.com/apppasswords)")
		}
	}
	if gmailOAuth(v) && strings.TrimSpace(v[contract.KeyGmailAuth]) == "" {
		warnings = append(warnings, contract.KeyGmailAuth+" is not set and there is no gmail_password: Gmail login will use the Google token, "+
			"which needs `garoon-sync authorize --gmail`; store an app password with `--ask gmail_password` otherwise")
	}
	if c := v[contract.KeyGoogleClientID]; c != "" && !strings.HasSuffix(c, ".apps.googleusercontent.com") {
		warnings = append(warnings, "google_client_id does not end in .apps.googleusercontent.com")
	}
	return problems, warnings
}

func secretCheck(ctx context.Context, id, file string, stdout, stderr io.Writer) int {
	var values map[string]string
	var err error
	if file != "" {
		var b []byte
		if b, err = os.ReadFile(file); err == nil {
			if json.Unmarshal(b, &values) != nil {
				err = fmt.Errorf("%s is not a JSON object of strings", file)
			}
		}
	} else {
		var sm *secretsmanager.Client
		if sm, err = smClient(ctx); err == nil {
			values, err = stored(ctx, sm, id)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "garoon-sync secret check: %v\n", err)
		return exitFail
	}
	problems, warnings := validate(values)
	t := &table{header: []string{"KEY", "STATUS", "NOTE"}}
	for _, k := range allKeys {
		status, note := "OK", ""
		switch {
		case values[k] == "" && required(k, values):
			status, note = "MISSING", "garoon-sync secret put --ask "+k
		case k == contract.KeyGmailPassword && gmailOAuth(values):
			status, note = "OK", "not used: Gmail login uses the Google token (OAuth)"
		case k == contract.KeyGmailAuth && values[k] == "":
			status, note = "OK", "default: "+map[bool]string{true: contract.GmailAuthOAuth, false: contract.GmailAuthPassword}[gmailOAuth(values)]
		case values[k] == "":
			status, note = "OK", "default"
		}
		for _, p := range append(problems, warnings...) {
			if strings.HasPrefix(p, k+" ") && status == "OK" {
				status, note = "WARN", p
			}
		}
		t.add(k, status, note)
	}
	t.write(stdout)
	if len(problems) > 0 {
		return exitFail
	}
	return exitOK
}
