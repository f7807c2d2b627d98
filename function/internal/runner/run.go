package runner

import (
	"context"
	"crypto/tls"
	"errors"
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

// Google is what a run needs of the Google side: the Calendar, and its
// access tokens, which Gmail's OAuth login shares (one refresh per run
// serves both). *gcal.Calendar is one.
type Google interface {
	syncer.Calendar
	imapmail.Tokens
}

var _ Google = (*gcal.Calendar)(nil)

// NewMailbox returns the IMAP adapter for the credentials: LOGIN with the
// app password, or, when the credentials say OAuth, AUTHENTICATE XOAUTH2
// with tokens' access token. It connects on first use; Close it after the
// run.
func NewMailbox(s Settings, creds secret.Credentials, tokens imapmail.Tokens, log *slog.Logger) (*imapmail.Client, error) {
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
	cfg := imapmail.Config{
		Addr:     s.IMAPAddr,
		Username: creds.GmailAddress,
		Mailbox:  creds.IMAPMailbox,
		TLS:      tlsCfg,
		Logger:   log,
	}
	if creds.GmailOAuth() {
		if tokens == nil {
			return nil, fmt.Errorf("gmail login over OAuth (%s) needs the Google token source", contract.KeyGmailAuth)
		}
		cfg.Tokens = tokens
	} else {
		cfg.Password = creds.GmailPassword
	}
	return imapmail.New(cfg), nil
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

// gmailOAuthError marks the error of a run that read Gmail over OAuth; its
// message is the error's own.
type gmailOAuthError struct{ error }

func (e gmailOAuthError) Unwrap() error { return e.error }

// GmailOverOAuth reports whether err is the error of a run whose Gmail
// login used the Google token: a new consent must include Gmail again.
func GmailOverOAuth(err error) bool { return errors.As(err, new(gmailOAuthError)) }

// runEngine is the engine's part of a run: fetch, plan, apply, mark.
func runEngine(ctx context.Context, s Settings, creds secret.Credentials, cal Google, opt Options) (*syncer.Report, error) {
	mb, err := NewMailbox(s, creds, cal, opt.Logger)
	if err != nil {
		return &syncer.Report{DryRun: opt.DryRun}, err
	}
	defer mb.Close()
	zone, err := garoonZone(creds)
	if err != nil {
		return &syncer.Report{DryRun: opt.DryRun}, err
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
		Logger:          opt.Logger,
	})
	return eng.Run(ctx)
}

// garoonZone is the user's Garoon zone: Garoon writes times in it with no
// marker. secret.Parse has checked the name; "" (credentials built in
// code) is the default, not time.LoadLocation's UTC.
func garoonZone(creds secret.Credentials) (*time.Location, error) {
	name := creds.TimeZone
	if name == "" {
		name = contract.DefaultTimeZone
	}
	zone, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", contract.KeyTimeZone, name, err)
	}
	return zone, nil
}
