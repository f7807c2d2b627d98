package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"garoon-calendar-sync/shared/contract"
)

// Context keys in cdk.json. "environments" holds one object per deployment
// environment; `-c env=NAME` picks one of them.
const (
	contextEnvironments = "environments"
	contextEnv          = "env"
	// contextAlarmEmail (-c alarmEmail=…) is the alarmEmail of every
	// environment that names none itself (Defaults.AlarmEmail). CI
	// synthesizes with -c alarmEmail=none, so that prod, shipped without an
	// address, synthesizes offline, while a deploy of it fails and says
	// where the address goes.
	contextAlarmEmail = "alarmEmail"
)

// EnvConfig is one deployment environment, parsed from cdk.json context and
// validated: a NewSyncStack never sees a value CloudFormation would reject.
type EnvConfig struct {
	Name    string // dev, prod, …: part of the stack, secret and function names
	Account string // "" leaves the account to the CLI's credentials
	Region  string // "" leaves the region to the CLI's profile

	Schedule     Schedule
	Timeout      time.Duration
	LookbackDays int
	MaxDeletes   int // -1 turns the function's mass-delete guard off
	LogLevel     string

	LogRetentionDays int
	// AlarmEmail receives the alarms; "" only when the environment opted
	// out explicitly (cdk.json "alarmEmail": "none", or no field and
	// -c alarmEmail=none): the alarms then change state and notify nobody.
	AlarmEmail string
	// ReservedConcurrency caps the function's concurrent runs; 0 reserves
	// nothing (the default: see parseEnvironment).
	ReservedConcurrency int
	// DidNotRun is how long no invocation may last before the "did not run"
	// alarm fires (default: didNotRunDefault of the schedule).
	DidNotRun time.Duration
	Retain    bool // keep the secret and the log group when the stack goes
	Tags      map[string]string
}

// AlarmEmailNone is the cdk.json value of alarmEmail that deploys the
// alarms without any subscriber, on purpose.
const AlarmEmailNone = "none"

// Schedule is when EventBridge Scheduler starts a run, as three fields of a
// cron expression evaluated in contract.DefaultTimeZone. The defaults run
// every 5 minutes around the clock; Hours "7-22" and WeekDays "MON-FRI"
// restrict runs to an active window.
type Schedule struct {
	Minute   string
	Hours    string
	WeekDays string
}

// Defaults for fields an environment leaves out.
const (
	defaultTimeout          = 2 * time.Minute
	defaultLogLevel         = "info"
	defaultLogRetentionDays = 30
)

// envJSON is the wire form of an environment in cdk.json. Pointers tell an
// absent field from a zero value (maxDeletes 0 is meaningful).
type envJSON struct {
	Account          *string       `json:"account"`
	Region           *string       `json:"region"`
	Schedule         *scheduleJSON `json:"schedule"`
	TimeoutSeconds   *int          `json:"timeoutSeconds"`
	LookbackDays     *int          `json:"lookbackDays"`
	MaxDeletes       *int          `json:"maxDeletes"`
	LogLevel         *string       `json:"logLevel"`
	LogRetentionDays *int          `json:"logRetentionDays"`
	AlarmEmail       *string       `json:"alarmEmail"`
	// Pointers: absent is not 0 (0 would be refused, not taken as "none").
	ReservedConcurrency *int              `json:"reservedConcurrency"`
	DidNotRunMinutes    *int              `json:"didNotRunMinutes"`
	RemovalPolicy       *string           `json:"removalPolicy"`
	Tags                map[string]string `json:"tags"`
}

type scheduleJSON struct {
	Minute   *string `json:"minute"`
	Hours    *string `json:"hours"`
	WeekDays *string `json:"weekDays"`
}

// logRetention maps the retention periods CloudWatch Logs accepts (in days)
// to the CDK enum. Any other number fails synth rather than deploy.
var logRetention = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

var (
	envNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// Defaults are values that apply to every environment that leaves the
// field out (absent or ""); an environment's own value always wins.
type Defaults struct {
	// AlarmEmail: an address or AlarmEmailNone; "" means no default.
	AlarmEmail string
}

// ParseEnvironments decodes and validates the "environments" context value
// (as the CDK hands it over: decoded JSON) and returns the environment
// called selected (-c env), or all of them, sorted by name, when selected
// is "". Every environment is checked, also those not selected, so a
// broken prod entry cannot hide behind a dev synth; only a missing
// alarmEmail is left to the synth that deploys that environment, so that
// dev deploys while prod still waits for its address.
func ParseEnvironments(raw any, selected string, defaults Defaults) ([]EnvConfig, error) {
	byName, err := decodeEnvironments(raw)
	if err != nil {
		return nil, err
	}
	names := slices.Sorted(maps.Keys(byName))
	if selected != "" && !slices.Contains(names, selected) {
		return nil, fmt.Errorf("unknown environment %q (-c %s=%s): cdk.json context %q defines %s",
			selected, contextEnv, selected, contextEnvironments, strings.Join(names, ", "))
	}
	if a := defaults.AlarmEmail; a != "" && a != AlarmEmailNone && !isBareAddress(a) {
		return nil, fmt.Errorf("-c %s=%s: want a bare address such as ops@example.com, or %q for none", contextAlarmEmail, a, AlarmEmailNone)
	}
	var cfgs []EnvConfig
	for _, name := range names {
		picked := selected == "" || name == selected
		cfg, err := parseEnvironment(name, byName[name], defaults)
		if errors.Is(err, errNoAlarmEmail) && !picked {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cdk.json: environment %q: %w", name, err)
		}
		if picked {
			cfgs = append(cfgs, cfg)
		}
	}
	return cfgs, nil
}

// decodeEnvironments splits the "environments" context value into one
// undecoded object per environment name.
func decodeEnvironments(raw any) (map[string]json.RawMessage, error) {
	if raw == nil {
		return nil, fmt.Errorf(`cdk.json: context %q is missing: it must hold one object per environment, e.g. "dev" and "prod"`, contextEnvironments)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("cdk.json: context %q: %w", contextEnvironments, err)
	}
	var byName map[string]json.RawMessage
	if err := json.Unmarshal(b, &byName); err != nil || byName == nil {
		return nil, fmt.Errorf(`cdk.json: context %q must be an object like {"dev": {...}, "prod": {...}}`, contextEnvironments)
	}
	if len(byName) == 0 {
		return nil, fmt.Errorf("cdk.json: context %q defines no environment", contextEnvironments)
	}
	return byName, nil
}

// parseEnvironment decodes one environment and applies its fields over the
// defaults, one group at a time. The order is the order of the errors a
// broken entry reports first; alarmEmail comes last, being the one field
// every environment must set.
func parseEnvironment(name string, raw json.RawMessage, defaults Defaults) (EnvConfig, error) {
	if !envNameRE.MatchString(name) {
		return EnvConfig{}, errors.New("the name must be 1-20 lower-case letters, digits or '-', starting with a letter (it becomes part of resource names)")
	}
	var in envJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return EnvConfig{}, decodeError(err)
	}
	if in.AlarmEmail == nil || *in.AlarmEmail == "" {
		in.AlarmEmail = &defaults.AlarmEmail
	}
	cfg := EnvConfig{
		Name:             name,
		Schedule:         Schedule{Minute: contract.DefaultScheduleMinute, Hours: "*", WeekDays: "*"},
		Timeout:          defaultTimeout,
		LookbackDays:     contract.DefaultLookbackDays,
		MaxDeletes:       contract.DefaultMaxDeletes,
		LogLevel:         defaultLogLevel,
		LogRetentionDays: defaultLogRetentionDays,
		Retain:           true,
		Tags:             map[string]string{},
	}
	for _, apply := range []func(*EnvConfig, *envJSON) error{
		applyPlacement, applySchedule, applyRun, applyLogging, applyConcurrency,
		applyDidNotRun, applyRemoval, applyTags, applyAlarmEmail,
	} {
		if err := apply(&cfg, &in); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// applyPlacement: the account and region the stack deploys to.
func applyPlacement(cfg *EnvConfig, in *envJSON) error {
	if in.Account != nil {
		if !accountRE.MatchString(*in.Account) {
			return fmt.Errorf("account %q: want a 12-digit AWS account ID, or leave the field out", *in.Account)
		}
		cfg.Account = *in.Account
	}
	if in.Region != nil {
		if !regionRE.MatchString(*in.Region) {
			return fmt.Errorf("region %q: want an AWS region such as ap-northeast-1, or leave the field out", *in.Region)
		}
		cfg.Region = *in.Region
	}
	return nil
}

// applySchedule: the three cron fields, each defaulted on its own.
func applySchedule(cfg *EnvConfig, in *envJSON) error {
	if s := in.Schedule; s != nil {
		if s.Minute != nil {
			cfg.Schedule.Minute = *s.Minute
		}
		if s.Hours != nil {
			cfg.Schedule.Hours = *s.Hours
		}
		if s.WeekDays != nil {
			cfg.Schedule.WeekDays = *s.WeekDays
		}
	}
	if err := checkCronField(cfg.Schedule.Minute, 0, 59, nil, true); err != nil {
		return fmt.Errorf("schedule.minute %q: %w (e.g. %q: every 5 minutes)", cfg.Schedule.Minute, err, contract.DefaultScheduleMinute)
	}
	if err := checkCronField(cfg.Schedule.Hours, 0, 23, nil, true); err != nil {
		return fmt.Errorf("schedule.hours %q: %w (e.g. \"7-22\" or \"*\")", cfg.Schedule.Hours, err)
	}
	if err := checkCronField(cfg.Schedule.WeekDays, 1, 7, weekDayNumbers, false); err != nil {
		return fmt.Errorf("schedule.weekDays %q: %w (e.g. \"MON-FRI\" or \"*\")", cfg.Schedule.WeekDays, err)
	}
	return nil
}

// applyRun: what one run may do (timeout, lookback, deletions).
func applyRun(cfg *EnvConfig, in *envJSON) error {
	if in.TimeoutSeconds != nil {
		// Below 30 s the function's deadline reserve leaves no time to work.
		if t := *in.TimeoutSeconds; t < 30 || t > 900 {
			return fmt.Errorf("timeoutSeconds %d: want 30 to 900 (Lambda's maximum)", t)
		}
		cfg.Timeout = time.Duration(*in.TimeoutSeconds) * time.Second
	}
	if in.LookbackDays != nil {
		if d := *in.LookbackDays; d < 1 || d > 365 {
			return fmt.Errorf("lookbackDays %d: want 1 to 365", d)
		}
		cfg.LookbackDays = *in.LookbackDays
	}
	if in.MaxDeletes != nil {
		if n := *in.MaxDeletes; n < -1 {
			return fmt.Errorf("maxDeletes %d: want a number of events, or -1 to turn the guard off", n)
		}
		cfg.MaxDeletes = *in.MaxDeletes
	}
	return nil
}

// applyLogging: the log level and how long the logs are kept.
func applyLogging(cfg *EnvConfig, in *envJSON) error {
	if in.LogLevel != nil {
		if !slices.Contains([]string{"debug", "info", "warn", "error"}, *in.LogLevel) {
			return fmt.Errorf("logLevel %q: want debug, info, warn or error", *in.LogLevel)
		}
		cfg.LogLevel = *in.LogLevel
	}
	if in.LogRetentionDays != nil {
		if _, ok := logRetention[*in.LogRetentionDays]; !ok {
			return fmt.Errorf("logRetentionDays %d: CloudWatch Logs accepts only %s", *in.LogRetentionDays, allowedRetention())
		}
		cfg.LogRetentionDays = *in.LogRetentionDays
	}
	return nil
}

// applyConcurrency: a reservation only when the environment asks for one.
func applyConcurrency(cfg *EnvConfig, in *envJSON) error {
	if in.ReservedConcurrency == nil {
		return nil
	}
	// Lambda keeps a minimum of unreserved concurrency in the account
	// (100, or 10 on a new account whose quota is 10) and refuses a
	// reservation below it: "decreases account's
	// UnreservedConcurrentExecution below its minimum value"
	// (docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
	// 0 would throttle every invocation: the function would never run.
	if n := *in.ReservedConcurrency; n < 1 || n > 1000 {
		return fmt.Errorf("reservedConcurrency %d: want 1 to 1000, or leave the field out to reserve nothing (0 would stop every run)", n)
	}
	cfg.ReservedConcurrency = *in.ReservedConcurrency
	return nil
}

// applyDidNotRun: the "did not run" window, which must outlast the
// schedule's own pauses (so it comes after applySchedule).
func applyDidNotRun(cfg *EnvConfig, in *envJSON) error {
	gaps := scheduleGaps(cfg.Schedule)
	if gaps.longest == 0 {
		return fmt.Errorf("schedule %+v never runs", cfg.Schedule)
	}
	cfg.DidNotRun = didNotRunDefault(gaps)
	if in.DidNotRunMinutes != nil {
		d := time.Duration(*in.DidNotRunMinutes) * time.Minute
		least := gaps.longest + gaps.shortest
		if d < least || d > maxDidNotRun {
			return fmt.Errorf("didNotRunMinutes %d: want %d to %d: at least the schedule's longest pause between two runs (%d minutes) plus one missed run, at most CloudWatch's 7-day evaluation range",
				*in.DidNotRunMinutes, int(least.Minutes()), int(maxDidNotRun.Minutes()), int(gaps.longest.Minutes()))
		}
		cfg.DidNotRun = d
	}
	return nil
}

func applyRemoval(cfg *EnvConfig, in *envJSON) error {
	if in.RemovalPolicy == nil {
		return nil
	}
	switch *in.RemovalPolicy {
	case "retain":
		cfg.Retain = true
	case "destroy":
		cfg.Retain = false
	default:
		return fmt.Errorf("removalPolicy %q: want \"retain\" (keep the secret and logs when the stack is deleted) or \"destroy\"", *in.RemovalPolicy)
	}
	return nil
}

func applyTags(cfg *EnvConfig, in *envJSON) error {
	for k, v := range in.Tags {
		switch {
		case k == tagProject || k == tagEnvironment:
			return fmt.Errorf("tags.%s: the stack sets this tag itself", k)
		case k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:"):
			return fmt.Errorf("tags key %q: want 1-128 characters that do not start with \"aws:\"", k)
		case len(v) > 256:
			return fmt.Errorf("tags.%s: the value is longer than 256 characters", k)
		}
		cfg.Tags[k] = v
	}
	return nil
}

// applyAlarmEmail: the environment's own alarmEmail, else the default
// (parseEnvironment put it in in.AlarmEmail); neither fails.
func applyAlarmEmail(cfg *EnvConfig, in *envJSON) error {
	switch a := *in.AlarmEmail; {
	case a == "":
		return fmt.Errorf("%w: set context.environments.%s.alarmEmail in cdk.json to the address that receives this environment's alarms, or to %q to deploy alarms that notify nobody", errNoAlarmEmail, cfg.Name, AlarmEmailNone)
	case a == AlarmEmailNone:
		cfg.AlarmEmail = ""
	case !isBareAddress(a):
		return fmt.Errorf("alarmEmail %q (context.environments.%s.alarmEmail in cdk.json): want a bare address such as ops@example.com, or %q for none", a, cfg.Name, AlarmEmailNone)
	default:
		cfg.AlarmEmail = a
	}
	return nil
}

// errNoAlarmEmail: an environment names no alarmEmail, and no
// -c alarmEmail stands in for it.
var errNoAlarmEmail = errors.New("alarmEmail is missing")

// isBareAddress: s is an e-mail address without a display name or brackets.
func isBareAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// Tags every resource carries, whatever the environment's own tags say.
const (
	tagProject     = "Project"
	tagEnvironment = "Environment"
	projectName    = "garoon-calendar-sync"
)

// decodeError names the cdk.json field behind a JSON decoding error.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("%s: want a %s, got a JSON %s", te.Field, te.Type, te.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s (known: account, region, schedule{minute, hours, weekDays}, timeoutSeconds, lookbackDays, maxDeletes, logLevel, logRetentionDays, alarmEmail, reservedConcurrency, didNotRunMinutes, removalPolicy, tags)", f)
	}
	return err
}

func allowedRetention() string {
	days := make([]int, 0, len(logRetention))
	for d := range logRetention {
		days = append(days, d)
	}
	slices.Sort(days)
	s := make([]string, len(days))
	for i, d := range days {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// weekDayNumbers are the day-of-week names EventBridge Scheduler's cron
// accepts, with their numbers (SUN is 1).
var weekDayNumbers = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

// checkCronField validates one field of an EventBridge Scheduler cron
// expression: "*", or a comma-separated list of values and ranges ("7",
// "7-22"), each optionally with a step ("0/15", "*/10") when steps is set.
// names lists symbolic values (MON…); values must lie in lo..hi.
func checkCronField(field string, lo, hi int, names map[string]int, steps bool) error {
	_, err := cronValues(field, lo, hi, names, steps)
	return err
}

// cronValues is the set of values a valid cron field (see checkCronField)
// matches, as lo..hi indexed booleans.
func cronValues(field string, lo, hi int, names map[string]int, steps bool) ([]bool, error) {
	set := make([]bool, hi+1)
	if field == "*" {
		for v := lo; v <= hi; v++ {
			set[v] = true
		}
		return set, nil
	}
	if field == "" {
		return nil, errors.New("empty")
	}
	value := func(s string) (int, error) {
		if n, ok := names[strings.ToUpper(s)]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			if names != nil {
				return 0, fmt.Errorf("%q is neither a day name (SUN-SAT) nor a number %d-%d", s, lo, hi)
			}
			return 0, fmt.Errorf("%q is not a number %d-%d", s, lo, hi)
		}
		return n, nil
	}
	for item := range strings.SplitSeq(field, ",") {
		base, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if !steps {
				return nil, fmt.Errorf("%q: steps (/) are not allowed here", item)
			}
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 || n > hi {
				return nil, fmt.Errorf("%q: the step must be a number 1-%d", item, hi)
			}
			step = n
		}
		from, to := lo, hi
		if base != "*" {
			first, last, isRange := strings.Cut(base, "-")
			a, err := value(first)
			if err != nil {
				return nil, err
			}
			from, to = a, a
			if hasStep {
				// "0/15": from 0 to the end of the range, every 15.
				to = hi
			}
			if isRange {
				b, err := value(last)
				if err != nil {
					return nil, err
				}
				if a > b {
					return nil, fmt.Errorf("%q: the range runs backwards", item)
				}
				to = b
			}
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return set, nil
}
