// Package contract holds the names and defaults that the CDK app (infra) and
// the Lambda function must agree on: the secret's JSON keys, the environment
// variables the function reads, the CloudWatch metric names the alarms watch,
// and the schedule defaults. It has no AWS or Google imports on purpose: both
// sides compile against it, and nothing else belongs here.
package contract

import "time"

// Keys of the JSON object stored in the Secrets Manager secret. They are the
// keys of the original manual setup, so a secret created by hand keeps working.
const (
	KeyGmailAddress       = "gmail_address"
	KeyGmailPassword      = "gmail_password" // Gmail app password
	KeyGaroonSender       = "garoon_sender"
	KeyGoogleRefreshToken = "google_refresh_token"
	KeyGoogleClientID     = "google_client_id"
	KeyGoogleClientSecret = "google_client_secret"
	KeyCalendarID         = "calendar_id"  // optional
	KeyIMAPMailbox        = "imap_mailbox" // optional
	// KeyTimeZone is the IANA zone of the user's Garoon account (optional):
	// Garoon writes times in the recipient's zone with no marker.
	KeyTimeZone = "garoon_time_zone"
	// KeySeriesDelete decides what a delete of a repeating appointment that
	// Garoon's mail cannot scope does: "flag" (keep and mark) or "all".
	KeySeriesDelete = "series_delete"
	// KeyGmailAuth chooses how the function logs in to Gmail (optional):
	// "password" (LOGIN with gmail_password) or "oauth" (SASL XOAUTH2 with
	// an access token from google_refresh_token, which then needs the
	// GmailScope). Unset, a secret with gmail_password uses it and one
	// without uses OAuth; "oauth" wins over a gmail_password that is set.
	KeyGmailAuth = "gmail_auth"
)

// Values of KeyGmailAuth.
const (
	GmailAuthPassword = "password"
	GmailAuthOAuth    = "oauth"
)

// OAuth scopes of the one Google consent. CalendarScope is always asked
// for; GmailScope only by `garoon-sync authorize --gmail`: it is the scope
// Gmail requires for IMAP over XOAUTH2
// (https://developers.google.com/gmail/imap/xoauth2-protocol, "OAuth 2.0
// scopes").
const (
	CalendarScope = "https://www.googleapis.com/auth/calendar.events"
	GmailScope    = "https://mail.google.com/"
)

// RequiredKeys lists the secret keys that must be present and non-empty, in
// the order a person fills them in. KeyGmailPassword is the one exception:
// it is needed only for app-password login (see KeyGmailAuth).
var RequiredKeys = []string{
	KeyGmailAddress,
	KeyGmailPassword,
	KeyGaroonSender,
	KeyGoogleRefreshToken,
	KeyGoogleClientID,
	KeyGoogleClientSecret,
}

// Defaults of the optional secret keys.
const (
	DefaultCalendarID  = "primary"
	DefaultIMAPMailbox = "INBOX"
	SeriesDeleteFlag   = "flag" // default: keep the series, mark it, report it
	SeriesDeleteAll    = "all"  // opt-in: delete the whole series
)

// Environment variables. The Lambda sets EnvSecretID; the others exist so the
// whole binary can be pointed at local servers in tests and in the demo.
const (
	EnvSecretID           = "SECRET_ID"
	EnvSecretName         = "SECRET_NAME" // alias of SECRET_ID, used by the original manual setup
	EnvIMAPAddr           = "GAROON_SYNC_IMAP_ADDR"
	EnvIMAPCAFile         = "GAROON_SYNC_IMAP_CA_FILE"
	EnvCalendarEndpoint   = "GAROON_SYNC_CALENDAR_ENDPOINT"
	EnvTokenURL           = "GAROON_SYNC_TOKEN_URL"
	EnvSecretsManagerURL  = "AWS_ENDPOINT_URL_SECRETS_MANAGER"
	EnvLogsURL            = "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS" // CLI only: where doctor reads the last run
	EnvSecretFile         = "GAROON_SYNC_SECRET_FILE"          // CLI only
	EnvLookbackDays       = "GAROON_SYNC_LOOKBACK_DAYS"
	EnvMaxDeletes         = "GAROON_SYNC_MAX_DELETES"
	EnvLogLevel           = "GAROON_SYNC_LOG_LEVEL"
	EnvEnvironment        = "GAROON_SYNC_ENV" // the deployment environment name (dev, prod), for logs and hints
	DefaultIMAPAddr       = "imap.gmail.com:993"
	DefaultLookbackDays   = 14
	DefaultMaxDeletes     = 10
	DefaultTimeZone       = "Asia/Tokyo"
	DefaultScheduleMinute = "0/5" // every 5 minutes, around the clock
)

// DeadlineReserve is how much of the Lambda's remaining time the engine keeps
// for marking mails processed and reporting, once it stops taking new notices.
const DeadlineReserve = 10 * time.Second

// ProcessedKeyword is the IMAP keyword set on a mail once its calendar change
// is applied. It is not \Seen: the user still reads the mail.
const ProcessedKeyword = "GaroonSynced"

// CloudWatch embedded-metric-format namespace and metric names. The alarms in
// infra watch these, so the function must emit exactly these names. Only
// what an alarm reads is published (each custom metric costs $0.30 a month):
// a run's counts are in its summary line, failures in Lambda's own Errors.
const (
	MetricNamespace    = "GaroonCalendarSync"
	MetricDimension    = "Environment"
	MetricInvalidGrant = "InvalidGrant"
)

// StackName is the CloudFormation stack name of an environment.
func StackName(env string) string { return "GaroonCalendarSync-" + env }

// SecretName is the Secrets Manager secret name of an environment. The CLI's
// `secret put --env NAME` and the stack both use it.
func SecretName(env string) string { return "garoon-calendar-sync/" + env }

// FunctionName is the Lambda function name of an environment.
func FunctionName(env string) string { return "garoon-calendar-sync-" + env }

// LogGroupName is the function's log group. `garoon-sync doctor --env NAME`
// reads the last run's summary line from it.
func LogGroupName(env string) string { return "/aws/lambda/" + FunctionName(env) }

// Commands that fix what a run cannot fix by itself. The function's summary
// line ("fix"), the alarm e-mails and `garoon-sync doctor` print the same
// ones, so an operator meets one command wherever the problem shows.

// FixInvalidGrant replaces a Google refresh token that Google refused.
func FixInvalidGrant(env string) string {
	return "garoon-sync authorize --client-secret credentials.json --out token.json && garoon-sync secret put --env " + env + " --from-file token.json && rm token.json"
}

// FixInvalidGrantGmail is FixInvalidGrant for a secret whose Gmail login
// uses the Google token too: the new consent must include Gmail again.
func FixInvalidGrantGmail(env string) string {
	return "garoon-sync authorize --gmail --client-secret credentials.json --out token.json && garoon-sync secret put --env " + env + " --from-file token.json && rm token.json"
}

// FixGmailLogin stores a new Gmail app password.
func FixGmailLogin(env string) string {
	return "garoon-sync secret put --env " + env + " --ask gmail_password"
}

// FixFillSecret stores the credentials in the secret the stack created
// empty.
func FixFillSecret(env string) string { return "garoon-sync secret put --env " + env }

// FixTooManyDeletes lists the deletes the mass-delete guard held back,
// changing nothing; if they are real, the same command without --dry-run
// applies them (once: the limit is back for the next run).
func FixTooManyDeletes(env string) string {
	return "garoon-sync run --env " + env + " --dry-run --max-deletes -1"
}

// FixDiagnose finds what else is wrong.
func FixDiagnose(env string) string { return "garoon-sync doctor --env " + env }
