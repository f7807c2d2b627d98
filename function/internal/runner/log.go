package runner

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// LambdaLogger is the function's logger at level (Settings.LogLevel, from
// GAROON_SYNC_LOG_LEVEL): aws-lambda-go's handler, which writes to stdout
// in the format of the function's log configuration
// (AWS_LAMBDA_LOG_FORMAT: JSON in the stack) and puts the invocation's
// requestId on every line, with its level replaced by level.
//
// lambdacontext takes its own level from AWS_LAMBDA_LOG_LEVEL, which Lambda
// sets from the function's ApplicationLogLevel, and defaults to info;
// level replaces it here, so the variable works wherever the function
// runs (the Lambda emulator sets neither). In Lambda, ApplicationLogLevel
// still drops lines below itself: the stack sets both from one logLevel.
func LambdaLogger(level slog.Level) *slog.Logger {
	return slog.New(withLevel(lambdacontext.NewLogHandler(), level))
}

// levelHandler is a handler with its level replaced: Enabled answers by
// level alone and everything else is the wrapped handler's. A handler's
// Handle is called only when Enabled said yes (slog.Handler's contract,
// log/slog/handler.go), so this raises or lowers the level. It is the
// LevelHandler of log/slog's own example (example_level_handler_test.go,
// "how to Use a LevelHandler to change the level of an existing Handler
// while preserving its other behavior"); slog exports no such handler.
type levelHandler struct {
	level slog.Leveler
	h     slog.Handler
}

func withLevel(h slog.Handler, level slog.Leveler) slog.Handler {
	return &levelHandler{level: level, h: h}
}

func (l *levelHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= l.level.Level()
}

func (l *levelHandler) Handle(ctx context.Context, r slog.Record) error { return l.h.Handle(ctx, r) }

func (l *levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withLevel(l.h.WithAttrs(attrs), l.level)
}

func (l *levelHandler) WithGroup(name string) slog.Handler {
	return withLevel(l.h.WithGroup(name), l.level)
}
