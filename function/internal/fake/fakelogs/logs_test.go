package fakelogs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/smithy-go"

	"garoon-calendar-sync/function/internal/fake/fakelogs"
)

func TestLogsFilterLogEvents(t *testing.T) {
	srv, err := fakelogs.Start("/aws/lambda/fn")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.PageSize(2)
	client := cloudwatchlogs.New(cloudwatchlogs.Options{
		Region:       "ap-northeast-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret-key", ""),
	})
	ctx := context.Background()
	base := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		msg := "sync run"
		if i == 3 {
			msg = "sync run failed"
		}
		srv.Put("/aws/lambda/fn", fakelogs.Event{Stream: "s", Time: base.Add(time.Duration(i) * time.Minute), Message: fmt.Sprintf(`{"message":%q,"seen":%d}`, msg, i)})
		srv.Put("/aws/lambda/fn", fakelogs.Event{Stream: "s", Time: base.Add(time.Duration(i) * time.Minute), Message: `{"message":"other"}`})
	}
	srv.Put("/aws/lambda/fn", fakelogs.Event{Stream: "s", Time: base, Message: "START RequestId: x"})

	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:  aws.String("/aws/lambda/fn"),
		StartTime:     aws.Int64(base.Add(time.Minute).UnixMilli()),
		FilterPattern: aws.String(`{ $.message = "sync run" || $.message = "sync run failed" }`),
	}
	var got []string
	pages := 0
	for p := cloudwatchlogs.NewFilterLogEventsPaginator(client, in); p.HasMorePages(); pages++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range out.Events {
			got = append(got, aws.ToString(ev.Message))
		}
	}
	want := []string{`{"message":"sync run","seen":1}`, `{"message":"sync run","seen":2}`, `{"message":"sync run failed","seen":3}`, `{"message":"sync run","seen":4}`}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 2 {
		t.Errorf("%d pages: %v\nwant %v", pages, got, want)
	}

	code := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	if _, err := client.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/nope")}); code(err) != "ResourceNotFoundException" {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := client.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/fn"), FilterPattern: aws.String("ERROR")}); code(err) != "InvalidParameterException" {
		t.Errorf("unsupported pattern: %v", err)
	}
	srv.Deny(true)
	if _, err := client.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/fn")}); code(err) != "AccessDeniedException" {
		t.Errorf("denied: %v", err)
	}
	if n := srv.Count("FilterLogEvents"); n != pages+3 {
		t.Errorf("count %d, want %d", n, pages+3)
	}
}

func TestLogsWriterOneEventPerWrite(t *testing.T) {
	srv, err := fakelogs.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	w := srv.Writer("/g", "stream")
	fmt.Fprintln(w, `{"message":"a"}`)
	fmt.Fprintln(w, `{"message":"b"}`)
	client := cloudwatchlogs.New(cloudwatchlogs.Options{
		Region: "ap-northeast-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret-key", ""),
	})
	out, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/g")})
	if err != nil || len(out.Events) != 2 || aws.ToString(out.Events[1].Message) != `{"message":"b"}` || aws.ToString(out.Events[0].LogStreamName) != "stream" {
		t.Fatalf("%+v, %v", out, err)
	}
}
