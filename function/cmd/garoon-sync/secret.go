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
	"io/fs"
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

	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/shared/contract"
)

// hinted is an error and the one next step that fixes it.
type hinted struct {
	err error
	fix string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

const secretUsage = `Usage: garoon-sync secret put   (--env NAME | --secret-id ID) [--from-file FILE] [--ask KEY[,KEY]]
       garoon-sync secret check (--env NAME | --secret-id ID | --secret-file FILE)

put writes the environment's Secrets Manager secret: it keeps the values
already stored, takes the keys in --from-file (a JSON object, e.g. what
` + "`garoon-sync authorize --out`" + ` wrote, or the secret of an older manual setup),
and asks on the terminal for every required key still missing and for the
keys named by --ask (the Gmail app password without echo). Every key is
validated before anything is written. Values are never printed.

check validates what is stored, or the local file given with --secret-file:
one line per key, OK, MISSING or WARN, with the command that fills a
missing key. (No command writes a local file but ` + "`authorize --out FILE`" + `,
which fills the three Google keys: edit it for the others.)
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
  garoon-sync secret check --secret-file secret.json

Flags:
`

type secretFlagSet struct {
	env, id, fromFile, ask, secretFile *string
}

func defineSecretFlags(fs *flag.FlagSet) secretFlagSet {
	return secretFlagSet{
		env:        fs.String("env", "", "environment name: the secret "+contract.SecretName("NAME")),
		id:         fs.String("secret-id", "", "secret name or ARN (instead of --env)"),
		fromFile:   fs.String("from-file", "", "put: JSON object file with keys to store"),
		ask:        fs.String("ask", "", "put: comma-separated keys to ask for even if stored (e.g. gmail_password)"),
		secretFile: fs.String("secret-file", "", "check: validate this local file instead of Secrets Manager"),
	}
}

func cmdSecret(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "put" && args[0] != "check") {
		fs := newFlags("secret")
		defineSecretFlags(fs)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			printUsage(stdout, fs, secretUsage)
			return exitOK
		}
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			// A mistyped verb: one line, and the verb it was close to.
			fmt.Fprintf(stderr, "garoon-sync secret: want put or check, not %q", args[0])
			if s := closest(args[0], []string{"put", "check"}); s != "" {
				fmt.Fprintf(stderr, " (did you mean %s?)", s)
			}
			fmt.Fprintln(stderr, "; see garoon-sync secret --help")
			return exitUsage
		}
		if len(args) > 0 {
			fmt.Fprintf(stderr, "garoon-sync secret: want put or check, not %q\n\n", args[0])
		}
		printUsage(stderr, fs, secretUsage)
		return exitUsage
	}
	verb := args[0]
	fs := newFlags("secret " + verb)
	f := defineSecretFlags(fs)
	if code, ok := parseFlags(fs, secretUsage, args[1:], stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "garoon-sync secret %s: unexpected argument %q (see garoon-sync secret --help)\n", verb, fs.Arg(0))
		return exitUsage
	}
	place := secretPlace{id: *f.id, env: envOfSecret(*f.id)}
	if *f.env != "" {
		place = secretPlace{id: contract.SecretName(*f.env), env: *f.env}
	}
	switch {
	case verb == "put" && *f.secretFile != "":
		fmt.Fprintf(stderr, "garoon-sync secret put: writes Secrets Manager only; edit %s itself (`garoon-sync authorize --client-secret credentials.json --out %s` writes the Google keys)\n",
			*f.secretFile, shellWord(*f.secretFile))
		return exitUsage
	case verb == "put" && place.id == "":
		fmt.Fprintln(stderr, "garoon-sync secret put: give --env NAME (the secret "+contract.SecretName("NAME")+") or --secret-id ID")
		return exitUsage
	case verb == "check" && *f.secretFile != "":
		place = secretPlace{file: *f.secretFile}
	case verb == "check" && place.id == "":
		fmt.Fprintln(stderr, "garoon-sync secret check: give --env NAME (the secret "+contract.SecretName("NAME")+"), --secret-id ID, or --secret-file FILE (a local JSON file)")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if verb == "check" {
		return secretCheck(ctx, place, stdout, stderr)
	}
	return secretPut(ctx, place, *f.fromFile, *f.ask, os.Stdin, stdout, stderr)
}

// allKeys are the secret's keys in the order a person fills them in.
var allKeys = append(slices.Clone(contract.RequiredKeys), contract.KeyCalendarID, contract.KeyIMAPMailbox, contract.KeyGmailAuth,
	contract.KeyTimeZone, contract.KeySeriesDelete)

// googleKey: one of the three keys `garoon-sync authorize` writes.
func googleKey(k string) bool {
	return k == contract.KeyGoogleRefreshToken || k == contract.KeyGoogleClientID || k == contract.KeyGoogleClientSecret
}

// optionalDefaults are the values the function uses for optional keys left
// empty (secret.Parse).
var optionalDefaults = map[string]string{
	contract.KeyCalendarID:   contract.DefaultCalendarID,
	contract.KeyIMAPMailbox:  contract.DefaultIMAPMailbox,
	contract.KeyTimeZone:     contract.DefaultTimeZone,
	contract.KeySeriesDelete: contract.SeriesDeleteFlag,
}

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

func smClient(ctx context.Context, place secretPlace) (*secretsmanager.Client, error) {
	if demoNotSourced(place.env, os.Getenv) {
		return nil, errDemoNotSourced
	}
	opts, err := awsOptions(ctx, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", place.id, err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region")
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// stored reads the secret's current JSON object; a secret without a value
// yet is an empty object.
func stored(ctx context.Context, sm *secretsmanager.Client, place secretPlace) (map[string]string, error) {
	id := place.id
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound) && strings.Contains(err.Error(), "AWSCURRENT"):
		// "can't find the specified secret value for staging label:
		// AWSCURRENT": created by the stack, never filled.
		return map[string]string{}, nil
	case errors.As(err, &notFound) && place.env != "":
		return nil, fmt.Errorf("secret %s does not exist in %s: deploy the environment first (make deploy ENV=%s), or set AWS_REGION to the region it is deployed in", id, sm.Options().Region, place.env)
	case errors.As(err, &notFound):
		return nil, fmt.Errorf("secret %s does not exist in %s: check its name and AWS_REGION", id, sm.Options().Region)
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

func secretPut(ctx context.Context, place secretPlace, fromFile, ask string, stdin *os.File, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "garoon-sync secret put: %v\n", err)
		if fix := place.fixLoad(err); fix != "" && (errors.Is(err, errNoAWSCredentials) || errors.Is(err, errDemoNotSourced)) {
			fmt.Fprintf(stderr, "fix: %s\n", fix)
		}
		return exitFail
	}
	// The local file first: its mistakes need no AWS round trip.
	more, err := readValuesFile(fromFile)
	if err != nil {
		return fail(err)
	}
	sm, err := smClient(ctx, place)
	if err != nil {
		return fail(err)
	}
	values, err := stored(ctx, sm, place)
	if err != nil {
		return fail(err)
	}
	before := maps.Clone(values)
	for k, v := range more {
		if v != "" {
			values[k] = v
		}
	}
	askFor, err := askKeys(ask)
	if err != nil {
		return fail(err)
	}
	if err := askMissing(values, askFor, stdin, stderr); err != nil {
		return fail(err)
	}
	if !validToPut(values, stderr) {
		return fail(errors.New("nothing was written"))
	}
	b, _ := json.Marshal(values)
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(place.id), SecretString: aws.String(string(b))}); err != nil {
		return fail(fmt.Errorf("write secret %s: %w", place.id, err))
	}
	writePutResult(stdout, place.id, before, values)
	return exitOK
}

// readValuesFile reads --from-file: a JSON object of strings; none for "".
func readValuesFile(name string) (map[string]string, error) {
	if name == "" {
		return nil, nil
	}
	var values map[string]string
	b, err := os.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("--from-file %s does not exist", name)
	case err != nil:
		return nil, err
	case json.Unmarshal(b, &values) != nil:
		return nil, fmt.Errorf("%s: want a JSON object of strings", name)
	}
	return values, nil
}

// askKeys are the keys --ask names (comma-separated), each a secret key.
func askKeys(ask string) (map[string]bool, error) {
	askFor := map[string]bool{}
	for k := range strings.SplitSeq(ask, ",") {
		if k = strings.TrimSpace(k); k != "" {
			if !slices.Contains(allKeys, k) {
				return nil, fmt.Errorf("--ask %s: not a secret key (keys: %s)", k, strings.Join(allKeys, ", "))
			}
			askFor[k] = true
		}
	}
	return askFor, nil
}

// askMissing asks on the terminal for the keys in askFor and the required
// keys values lacks, and sets them in values.
func askMissing(values map[string]string, askFor map[string]bool, stdin *os.File, stderr io.Writer) error {
	var missing []string
	for _, k := range allKeys {
		if askFor[k] || required(k, values) && strings.TrimSpace(values[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if !term.IsTerminal(int(stdin.Fd())) {
		return fmt.Errorf("missing %s and no terminal to ask on: pass them in --from-file", strings.Join(missing, ", "))
	}
	in := bufio.NewReader(stdin)
	for _, k := range missing {
		v, err := prompt(in, stdin, stderr, k)
		if err != nil {
			return err
		}
		values[k] = v
	}
	return nil
}

// validToPut prints the warnings and problems of values (by key name, never
// a value) and reports whether it may be written.
func validToPut(values map[string]string, stderr io.Writer) bool {
	problems, warnings := validate(values)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, "invalid:", p)
	}
	return len(problems) == 0
}

// writePutResult says what put changed and what it kept: names only, never
// values.
func writePutResult(stdout io.Writer, id string, before, values map[string]string) {
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
			"which needs `garoon-sync authorize --gmail`; or set gmail_password to an app password")
	}
	// The same checks as the function's (secret.Parse).
	if z := strings.TrimSpace(v[contract.KeyTimeZone]); z != "" {
		if err := secret.CheckTimeZone(z); err != nil {
			problems = append(problems, contract.KeyTimeZone+" "+err.Error())
		}
	}
	if d := strings.TrimSpace(v[contract.KeySeriesDelete]); d != "" {
		if err := secret.CheckSeriesDelete(d); err != nil {
			problems = append(problems, contract.KeySeriesDelete+" "+err.Error())
		}
	}
	if c := v[contract.KeyGoogleClientID]; c != "" && !strings.HasSuffix(c, ".apps.googleusercontent.com") {
		warnings = append(warnings, "google_client_id does not end in .apps.googleusercontent.com")
	}
	return problems, warnings
}

func secretCheck(ctx context.Context, place secretPlace, stdout, stderr io.Writer) int {
	var values map[string]string
	var err error
	if place.file != "" {
		var b []byte
		b, err = os.ReadFile(place.file)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			err = &hinted{fmt.Errorf("%s does not exist", place.file), place.fixLoad(err)}
		case err == nil && json.Unmarshal(b, &values) != nil:
			err = &hinted{fmt.Errorf("%s is not a JSON object of strings", place.file), ""}
		}
	} else {
		var sm *secretsmanager.Client
		if sm, err = smClient(ctx, place); err == nil {
			values, err = stored(ctx, sm, place)
		} else if fix := place.fixLoad(err); fix != "" {
			err = &hinted{err, fix}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "garoon-sync secret check: %v\n", err)
		var h *hinted
		if errors.As(err, &h) && h.fix != "" {
			fmt.Fprintf(stderr, "fix: %s\n", h.fix)
		}
		return exitFail
	}
	problems, warnings := validate(values)
	t := &table{header: []string{"KEY", "STATUS", "NOTE"}}
	for _, k := range allKeys {
		status, note := "OK", ""
		switch {
		case values[k] == "" && required(k, values) && googleKey(k):
			// authorize writes the three; with Gmail over OAuth the
			// consent must include Gmail.
			status, note = "MISSING", place.authorize(gmailOAuth(values))
		case values[k] == "" && required(k, values):
			status, note = "MISSING", place.fixKey(k)
		case k == contract.KeyGmailPassword && gmailOAuth(values):
			status, note = "OK", "not used: Gmail login uses the Google token (OAuth)"
		case k == contract.KeyGmailAuth && values[k] == "":
			status, note = "OK", "default: "+map[bool]string{true: contract.GmailAuthOAuth, false: contract.GmailAuthPassword}[gmailOAuth(values)]
		case values[k] == "" && optionalDefaults[k] != "":
			status, note = "OK", "default: "+optionalDefaults[k]
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
