package syncer

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkRun1000 is one run over 1,000 new notices through the engine
// with in-memory ports: parse, plan, apply, mark.
func BenchmarkRun1000(b *testing.B) {
	h := newHarness(b)
	for i := range 1000 {
		h.mail("登録", fmt.Sprintf("会議%04d", i), jan15)
	}
	raws := h.mb.mails
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		h.mb = &memMailbox{mails: raws}
		h.cal = newMemCalendar()
		b.StartTimer()
		rep, err := h.engine().Run(context.Background())
		if err != nil || rep.Created != 1000 {
			b.Fatalf("run: %v, %d created", err, rep.Created)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/mail")
}
