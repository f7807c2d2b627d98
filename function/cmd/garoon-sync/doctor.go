package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"garoon-calendar-sync/function/internal/garoon"
	"garoon-calendar-sync/function/internal/gcal"
	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/runner"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

const doctorUsage = `Usage: garoon-sync doctor [--env NAME] [--secret-file FILE] [--json]

Checks, one line each, what a sync run needs, and says how to fix what fails:

  settings  the environment variables
  secret    readable, every required key present
  gmail     IMAP server reachable, login (app password or OAuth, which one
            is in use), mailbox, and how many Garoon notices wait in the
            window (read without marking anything)
  google    the refresh token gets an access token (invalid_grant: authorize),
            and its scopes (Gmail's when Gmail uses the token)
  calendar  the calendar exists and this Google account may write events
  attention repeating appointments kept and marked [要確認] after a delete
            Garoon's mail could not scope (WARN lists them)
  last run  the deployed function's last run, from CloudWatch Logs

With --env NAME it checks a deployed environment: the secret
` + "`garoon-calendar-sync/NAME`" + ` and the last run in the log group
` + "`/aws/lambda/garoon-calendar-sync-NAME`" + ` (read with logs:FilterLogEvents;
SKIP when that is not readable). Otherwise credentials come from
--secret-file (or GAROON_SYNC_SECRET_FILE), else from Secrets Manager
(SECRET_ID or SECRET_NAME), and the last run is skipped.

Exit status: 0 when no check failed (WARN and SKIP do not fail), 1 when one
did, 2 for bad flags.

Examples:
  garoon-sync doctor --env prod
  garoon-sync doctor --secret-file secret.json
  garoon-sync doctor --env prod --json

Flags:
`

// Check statuses.
const (
	statusOK   = "OK"
	statusWarn = "WARN" // worth a look, not a failure
	statusFail = "FAIL"
	statusSkip = "SKIP" // could not be checked
)

type check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// lastRunWindow is how far back doctor looks for the last run: long enough
// to span a weekend of a weekdays-only schedule.
const lastRunWindow = 72 * time.Hour

func cmdDoctor(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("doctor")
	env := fs.String("env", "", "deployed environment: its secret "+contract.SecretName("NAME")+" and its last run")
	secretFile := fs.String("secret-file", "", "read the secret JSON from this file (overrides --env's secret and "+contract.EnvSecretFile+")")
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	timeout := fs.Duration("timeout", time.Minute, "give up after this long")
	if code, ok := parseFlags(fs, doctorUsage, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "garoon-sync doctor: unexpected argument %q (see garoon-sync doctor --help)\n", fs.Arg(0))
		return exitUsage
	}
	getenv := overlayEnv(os.Getenv, secretFlags(*env, *secretFile))
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	checks := diagnose(ctx, getenv)
	checks = append(checks, lastRunCheck(ctx, getenv, *env, time.Now()))
	failed := false
	for _, c := range checks {
		failed = failed || c.Status == statusFail
	}
	if *asJSON {
		if err := writeJSON(stdout, checks); err != nil {
			fmt.Fprintf(stderr, "garoon-sync doctor: %v\n", err)
			return exitFail
		}
	} else {
		t := &table{header: []string{"CHECK", "STATUS", "DETAIL"}}
		for _, c := range checks {
			detail := c.Detail
			if c.Fix != "" {
				detail += " → " + c.Fix
			}
			t.add(c.Name, c.Status, detail)
		}
		t.write(stdout)
	}
	if failed {
		return exitFail
	}
	return exitOK
}

// diagnose runs the checks that need the secret: settings, secret, gmail,
// google, calendar, attention. A check whose prerequisite failed is skipped.
// It builds the adapters with the runner's own constructors (settings,
// secret, NewCalendar, NewMailbox), not with Runner.Run: a run stops at the
// first failure with one error, doctor needs each step's own answer.
func diagnose(ctx context.Context, getenv func(string) string) []check {
	var out []check
	add := func(name, status, detail, fix string) { out = append(out, check{name, status, detail, fix}) }
	skipRest := func(names ...string) {
		for _, n := range names {
			add(n, statusSkip, "needs the checks above", "")
		}
	}

	s, err := runner.SettingsFromEnv(getenv)
	if err != nil {
		add("settings", statusFail, err.Error(), "fix the environment variable named")
		skipRest("secret", "gmail", "google", "calendar", "attention")
		return out
	}
	add("settings", statusOK, fmt.Sprintf("IMAP %s, lookback %d days", s.IMAPAddr, int(s.Lookback.Hours()/24)), "")

	creds, place, err := loadSecret(ctx, getenv)
	if err != nil {
		add("secret", statusFail, err.Error(), place.fixLoad(err))
		skipRest("gmail", "google", "calendar", "attention")
		return out
	}
	add("secret", statusOK, fmt.Sprintf("complete: %s, sender %s, calendar %s, mailbox %s", creds.GmailAddress, creds.GaroonSender, creds.CalendarID, creds.IMAPMailbox), "")

	// One Calendar client: its access token also logs in to Gmail when the
	// secret says OAuth, as in a run.
	cal, calErr := runner.NewCalendar(s, creds, nil)
	out = append(out, gmailCheck(ctx, s, creds, place, cal, calErr))
	out = append(out, googleChecks(ctx, creds, place, cal, calErr)...)
	return out
}

// gmailMethod names the login method in use, for the gmail check.
func gmailMethod(creds secret.Credentials) string {
	if creds.GmailOAuth() {
		return "OAuth (XOAUTH2 with the Google token)"
	}
	return "app password"
}

func gmailCheck(ctx context.Context, s runner.Settings, creds secret.Credentials, place secretPlace, cal *gcal.Calendar, calErr error) check {
	const name = "gmail"
	method := gmailMethod(creds)
	if creds.GmailOAuth() && calErr != nil {
		return check{name, statusFail, "login by " + method + " needs the Google client: " + calErr.Error(), ""}
	}
	mb, err := runner.NewMailbox(s, creds, cal, nil)
	if err != nil {
		return check{name, statusFail, err.Error(), ""}
	}
	defer mb.Close()
	mails, err := mb.Fetch(ctx, creds.GaroonSender, time.Now().Add(-s.Lookback))
	switch {
	case errors.Is(err, imapmail.ErrAuth):
		return check{name, statusFail, "login by " + method + " refused for " + creds.GmailAddress,
			place.fixGmailLogin() + "; or read Gmail with the Google token instead (README: Gmail login)"}
	case errors.Is(err, imapmail.ErrTokenRefused):
		return check{name, statusFail, "login by " + method + " refused for " + creds.GmailAddress + ": the Google consent lacks Gmail (" + contract.GmailScope + ")",
			place.fixInvalidGrant(true)}
	case errors.Is(err, syncer.ErrInvalidGrant):
		return check{name, statusFail, "login by " + method + ": Google refused the refresh token (invalid_grant)",
			place.fixInvalidGrant(true)}
	case err != nil:
		return check{name, statusFail, err.Error(), "check the network, " + contract.EnvIMAPAddr + " and imap_mailbox"}
	}
	notices, other, unreadable := 0, 0, 0
	for _, m := range mails {
		switch n, err := garoon.Parse(m.Raw, garoon.Options{Sender: creds.GaroonSender}); {
		case err != nil:
			unreadable++
		case n.Action == garoon.ActionIgnore:
			other++
		default:
			notices++
		}
	}
	wait := "Garoon notices from %s wait"
	if notices == 1 {
		wait = "Garoon notice from %s waits"
	}
	detail := fmt.Sprintf("login by %s and mailbox %s work; %d "+wait+" in the last %d days",
		method, creds.IMAPMailbox, notices, creds.GaroonSender, int(s.Lookback.Hours()/24))
	var extra []string
	if other > 0 {
		extra = append(extra, fmt.Sprintf("%d other %s from the sender will be ignored", other, plural(other, "mail", "mails")))
	}
	if unreadable > 0 {
		extra = append(extra, fmt.Sprintf("%d cannot be read (`garoon-sync run --dry-run` names them)", unreadable))
	}
	if len(extra) > 0 {
		detail += " (" + strings.Join(extra, ", ") + ")"
	}
	return check{name, statusOK, detail, ""}
}

// googleChecks checks the token and its scopes, then the calendar with it.
func googleChecks(ctx context.Context, creds secret.Credentials, place secretPlace, cal *gcal.Calendar, err error) []check {
	if err == nil {
		err = cal.CheckToken(ctx)
	}
	fixGrant := place.fixInvalidGrant(creds.GmailOAuth())
	switch {
	case errors.Is(err, syncer.ErrInvalidGrant):
		return []check{
			{"google", statusFail, "Google refused the refresh token (invalid_grant): revoked, expired (7 days while the consent screen is in Testing), or issued for another client",
				fixGrant},
			{"calendar", statusSkip, "needs the checks above", ""},
			{"attention", statusSkip, "needs the checks above", ""},
		}
	case err != nil:
		return []check{
			{"google", statusFail, err.Error(), "check google_client_id and google_client_secret (an OAuth client of type Desktop)"},
			{"calendar", statusSkip, "needs the checks above", ""},
			{"attention", statusSkip, "needs the checks above", ""},
		}
	}
	tokenOK := googleScopeCheck(ctx, creds, place, cal, fixGrant)
	skipAttention := check{"attention", statusSkip, "needs the checks above", ""}

	role, err := cal.AccessRole(ctx)
	switch {
	case errors.Is(err, syncer.ErrNotFound):
		return []check{tokenOK, {"calendar", statusFail, fmt.Sprintf("calendar %q not found for this Google account", creds.CalendarID),
			"set calendar_id to primary or to the calendar's ID (Google Calendar → Settings → Integrate calendar)"}, skipAttention}
	case err != nil:
		return []check{tokenOK, {"calendar", statusFail, err.Error(), ""}, skipAttention}
	case !gcal.CanWrite(role):
		return []check{tokenOK, {"calendar", statusFail, fmt.Sprintf("calendar %s is shared with this account as %s: events cannot be written", creds.CalendarID, role),
			"share it with the account with \"Make changes to events\", or use another calendar_id"}, skipAttention}
	}
	return []check{tokenOK, {"calendar", statusOK, fmt.Sprintf("calendar %s exists; this account is %s (may write events)", creds.CalendarID, role), ""},
		attentionCheck(ctx, cal, creds.TimeZone)}
}

// attentionCheck lists the events the sync kept and marked for a person's
// look (garoonSyncAttention=ambiguous-delete) whose title still carries the
// marker: removing the marker from the title is how a person resolves one.
// Dates are in the user's Garoon time zone (zone, secret.Parse checked it).
func attentionCheck(ctx context.Context, cal *gcal.Calendar, zone string) check {
	const name = "attention"
	marked, err := cal.FindAttention(ctx)
	if err != nil {
		return check{name, statusFail, err.Error(), ""}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = garoon.JST
	}
	var open []string
	for _, ev := range marked {
		if strings.HasPrefix(ev.Summary, syncer.AttentionTitle) {
			open = append(open, fmt.Sprintf("%q (from %s)", strings.TrimPrefix(ev.Summary, syncer.AttentionTitle), ev.Start.In(loc).Format(time.DateOnly)))
		}
	}
	if len(open) == 0 {
		return check{name, statusOK, "no repeating appointment waits for a check", ""}
	}
	return check{name, statusWarn,
		fmt.Sprintf("%d repeating appointments were kept after a delete Garoon's mail could not scope (one occurrence, the following ones, or all): %s",
			len(open), strings.Join(open, ", ")),
		"look each up in Garoon, delete in Google Calendar what was deleted there, then remove " + strings.TrimSpace(syncer.AttentionTitle) + " from the title (or set series_delete to all)"}
}

// googleScopeCheck reports the scopes the token carries (the token
// endpoint's "scope" field) and fails when Gmail login uses the token and
// the Gmail scope is not among them.
func googleScopeCheck(ctx context.Context, creds secret.Credentials, place secretPlace, cal *gcal.Calendar, fixGrant string) check {
	const name = "google"
	scopes, known, err := cal.GrantedScopes(ctx)
	if err != nil {
		return check{name, statusFail, err.Error(), ""}
	}
	if !known {
		return check{name, statusOK, "the refresh token gets an access token (Google did not say its scopes)", ""}
	}
	hasGmail := slices.Contains(scopes, contract.GmailScope)
	detail := "the refresh token gets an access token with the scopes " + strings.Join(scopes, " ")
	switch {
	case creds.GmailOAuth() && !hasGmail:
		return check{name, statusFail, detail + ": Gmail login uses it (" + contract.KeyGmailAuth + " oauth), but it lacks " + contract.GmailScope,
			fixGrant + ", or store an app password: `" + place.fixKey(contract.KeyGmailPassword) + "`"}
	case !creds.GmailOAuth() && hasGmail:
		detail += " (Gmail could use it instead of the app password: set " + contract.KeyGmailAuth + " to oauth)"
	}
	return check{name, statusOK, detail, ""}
}

// lastRunCheck reads the deployed function's last summary line.
func lastRunCheck(ctx context.Context, getenv func(string) string, env string, now time.Time) check {
	const name = "last run"
	if env == "" {
		return check{name, statusSkip, "give --env NAME to read the deployed function's last run", ""}
	}
	group := contract.LogGroupName(env)
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if demoNotSourced(env, getenv) {
		return check{name, statusSkip, "cannot read " + group + ": " + errDemoNotSourced.Error(), demoSourceHint()}
	}
	client, err := logsClient(ctx, getenv)
	switch {
	case errors.Is(err, errNoAWSCredentials):
		return check{name, statusSkip, "cannot read " + group + ": " + err.Error(), fixAWSLogin}
	case err != nil:
		return check{name, statusSkip, "cannot read " + group + ": " + err.Error(), ""}
	}
	run, found, err := lastRun(ctx, client, group, now.Add(-lastRunWindow))
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		return check{name, statusSkip, "no log group " + group + ": the function has not run yet",
			"deploy with `make deploy ENV=" + env + "`; the schedule runs it at its next time (cdk.json's schedule)"}
	case err != nil:
		return check{name, statusSkip, "cannot read " + group + ": " + err.Error(), "needs AWS credentials allowed logs:FilterLogEvents on it"}
	case !found:
		return check{name, statusWarn, fmt.Sprintf("no run logged in the last %d hours", int(lastRunWindow.Hours())),
			// The stack puts the schedule in a group of its own, named like it.
			"check the schedule: `aws scheduler get-schedule --group-name " + contract.FunctionName(env) + " --name " + contract.FunctionName(env) + "`"}
	}
	when := run.Time.In(garoon.JST).Format("2006-01-02 15:04 MST") + " (" + ago(now.Sub(run.Time)) + ")"
	if run.NotRun != "" {
		return check{name, statusWarn, when + " skipped: " + run.NotRun, "`" + run.Fix + "`"}
	}
	if run.OK {
		return check{name, statusOK, when + ": " + run.Brief(), ""}
	}
	// The line names the fix (runner.Fix); doctor's own checks above say
	// more. Older lines without one: the logs.
	fix := "`aws logs tail " + group + " --since 1h`"
	if run.Fix != "" && run.Fix != contract.FixDiagnose(env) {
		fix = "`" + run.Fix + "`"
	}
	return check{name, statusFail, when + " failed: " + run.Error, fix}
}

func logsClient(ctx context.Context, getenv func(string) string) (*cloudwatchlogs.Client, error) {
	opts, err := awsOptions(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := secret.AWSConfig(ctx, getenv, opts...)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region")
	}
	// LoadDefaultConfig honours AWS_ENDPOINT_URL_CLOUDWATCH_LOGS from the
	// process environment; getenv may be another environment.
	endpoint := getenv(contract.EnvLogsURL)
	return cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// summaryPattern finds the summary lines (runner.SummaryMessage,
// runner.SummaryFailedMessage and runner.SummarySkippedMessage) in Lambda's
// JSON log format.
var summaryPattern = fmt.Sprintf(`{ $.message = %q || $.message = %q || $.message = %q }`,
	runner.SummaryMessage, runner.SummaryFailedMessage, runner.SummarySkippedMessage)

// lastRun returns the newest summary line logged in group since since.
func lastRun(ctx context.Context, client cloudwatchlogs.FilterLogEventsAPIClient, group string, since time.Time) (runner.LoggedRun, bool, error) {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:  aws.String(group),
		StartTime:     aws.Int64(since.UnixMilli()),
		FilterPattern: aws.String(summaryPattern),
	}
	var last runner.LoggedRun
	found := false
	p := cloudwatchlogs.NewFilterLogEventsPaginator(client, in)
	for page := 0; p.HasMorePages(); page++ {
		if page == 100 {
			return last, found, fmt.Errorf("more than 100 pages of summary lines in %s", group)
		}
		out, err := p.NextPage(ctx)
		if err != nil {
			return runner.LoggedRun{}, false, err
		}
		for _, ev := range out.Events {
			run, ok := runner.ParseSummaryLine([]byte(aws.ToString(ev.Message)))
			if !ok {
				continue
			}
			run.Time = time.UnixMilli(aws.ToInt64(ev.Timestamp))
			if !found || !run.Time.Before(last.Time) {
				last, found = run, true
			}
		}
	}
	return last, found, nil
}

// ago is a duration as people say it: "just now", "12 min ago", "3 h 5 min ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	if m == 0 {
		return fmt.Sprintf("%d h ago", h)
	}
	return fmt.Sprintf("%d h %d min ago", h, m)
}

// plural is one or many, by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
