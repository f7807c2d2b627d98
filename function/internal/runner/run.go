package runner

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"garoon-calendar-sync/function/internal/gcal"
	"garoon-calendar-sync/function/internal/imapmail"
	"garoon-calendar-sync/function/internal/secret"
	"garoon-calendar-sync/function/internal/syncer"
	"garoon-calendar-sync/shared/contract"
)

// Options are the per-run choices of the caller.
type Options struct {
	DryRun bool
	// MaxDeletes overrides Settings.MaxDeletes when set (the CLI's --max-deletes).
	MaxDeletes *int
	Logger     *slog.Logger
	Now        func() time.Time
}

// NewMailbox returns the IMAP adapter for the credentials. It connects on
// first use; Close it after the run.
func NewMailbox(s Settings, creds secret.Credentials, log *slog.Logger) (*imapmail.Client, error) {
	host, _, err := net.SplitHostPort(s.IMAPAddr)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: %w", contract.EnvIMAPAddr, s.IMAPAddr, err)
	}
	tlsCfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if s.IMAPCAFile != "" {
		pool, err := imapmail.LoadCA(s.IMAPCAFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", contract.EnvIMAPCAFile, err)
		}
		tlsCfg.RootCAs = pool
	}
	return imapmail.New(imapmail.Config{
		Addr:     s.IMAPAddr,
		Username: creds.GmailAddress,
		Password: creds.GmailPassword,
		Mailbox:  creds.IMAPMailbox,
		TLS:      tlsCfg,
		Logger:   log,
	}), nil
}

// NewCalendar returns the Google Calendar adapter for the credentials. It may
// be kept across runs: its token source refreshes the access token itself.
func NewCalendar(s Settings, creds secret.Credentials, log *slog.Logger) (*gcal.Calendar, error) {
	// context.Background: the calendar outlives one invocation, and the token
	// source keeps the context it was built with.
	return gcal.New(context.Background(), gcal.Config{
		ClientID:     creds.GoogleClientID,
		ClientSecret: creds.GoogleClientSecret,
		RefreshToken: creds.GoogleRefreshToken,
		CalendarID:   creds.CalendarID,
		TimeZone:     creds.TimeZone,
		TokenURL:     s.TokenURL,
		Endpoint:     s.CalendarEndpoint,
		Logger:       log,
	})
}

// Run is one sync run: fetch, plan, apply, mark.
func Run(ctx context.Context, s Settings, creds secret.Credentials, cal syncer.Calendar, opt Options) (*syncer.Report, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mb, err := NewMailbox(s, creds, log)
	if err != nil {
		return &syncer.Report{DryRun: opt.DryRun}, err
	}
	defer mb.Close()
	// The user's Garoon zone: Garoon writes times in it with no marker.
	// secret.Parse has checked the name; "" (credentials built in code)
	// is the default, not time.LoadLocation's UTC.
	zoneName := creds.TimeZone
	if zoneName == "" {
		zoneName = contract.DefaultTimeZone
	}
	zone, err := time.LoadLocation(zoneName)
	if err != nil {
		return &syncer.Report{DryRun: opt.DryRun}, fmt.Errorf("%s %q: %w", contract.KeyTimeZone, zoneName, err)
	}
	maxDeletes := s.MaxDeletes
	if opt.MaxDeletes != nil {
		maxDeletes = *opt.MaxDeletes
	}
	eng := syncer.New(mb, cal, syncer.Config{
		Sender:          creds.GaroonSender,
		Zone:            zone,
		SeriesDeleteAll: creds.SeriesDelete == contract.SeriesDeleteAll,
		Lookback:        s.Lookback,
		MaxDeletes:      maxDeletes,
		DryRun:          opt.DryRun,
		Reserve:         contract.DeadlineReserve,
		Now:             opt.Now,
		Logger:          log,
	})
	return eng.Run(ctx)
}
