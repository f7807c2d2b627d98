// Package runner is a sync run, wired once: the Lambda entry point and the
// CLI (run, demo) build a Runner from the settings and the secret's source
// and call Run, so both run exactly the same engine with the same adapters
// and report it the same way (the summary line, the metrics line). Doctor
// checks the same adapters, built by NewMailbox and NewCalendar.
package runner

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"garoon-calendar-sync/shared/contract"
)

// Settings are the non-secret knobs, read from the environment (names in
// shared/contract). Every field has a working default for Gmail and Google.
type Settings struct {
	Env              string // deployment environment, for metrics and hints
	IMAPAddr         string
	IMAPCAFile       string
	CalendarEndpoint string
	TokenURL         string
	Lookback         time.Duration
	MaxDeletes       int
	// LogLevel is the level of the function's log lines (LambdaLogger):
	// info by default; debug adds the IMAP steps with their timings and
	// the notices' titles (personal data: not at info).
	LogLevel slog.Level
}

// SettingsFromEnv reads Settings with getenv (os.Getenv in production). A
// malformed value is an error naming the variable.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{
		Env:              getenv(contract.EnvEnvironment),
		IMAPAddr:         getenv(contract.EnvIMAPAddr),
		IMAPCAFile:       getenv(contract.EnvIMAPCAFile),
		CalendarEndpoint: getenv(contract.EnvCalendarEndpoint),
		TokenURL:         getenv(contract.EnvTokenURL),
		Lookback:         contract.DefaultLookbackDays * 24 * time.Hour,
		MaxDeletes:       contract.DefaultMaxDeletes,
		LogLevel:         slog.LevelInfo,
	}
	if s.Env == "" {
		s.Env = "local"
	}
	if s.IMAPAddr == "" {
		s.IMAPAddr = contract.DefaultIMAPAddr
	}
	if _, port, ok := strings.Cut(s.IMAPAddr, ":"); !ok || port == "" {
		return s, fmt.Errorf("%s=%q: want host:port, e.g. %s", contract.EnvIMAPAddr, s.IMAPAddr, contract.DefaultIMAPAddr)
	}
	if v := getenv(contract.EnvLookbackDays); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 1 || days > 365 {
			return s, fmt.Errorf("%s=%q: want a whole number of days from 1 to 365", contract.EnvLookbackDays, v)
		}
		s.Lookback = time.Duration(days) * 24 * time.Hour
	}
	if v := getenv(contract.EnvMaxDeletes); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 {
			return s, fmt.Errorf("%s=%q: want a number of events (-1 turns the guard off)", contract.EnvMaxDeletes, v)
		}
		s.MaxDeletes = n
	}
	if v := getenv(contract.EnvLogLevel); v != "" {
		if err := s.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return s, fmt.Errorf("%s=%q: want debug, info, warn or error", contract.EnvLogLevel, v)
		}
	}
	return s, nil
}
