// Package fakelogs stands in for Amazon CloudWatch Logs on 127.0.0.1, for
// the one call `garoon-sync doctor` makes: FilterLogEvents, through the
// real aws-sdk-go-v2 client (nothing here imports "testing").
//
// Its behaviour comes from the CloudWatch Logs API Reference for
// FilterLogEvents
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html:
// startTime and endTime in epoch milliseconds, inclusive; nextToken paging;
// ResourceNotFoundException for an unknown group) and the filter pattern
// syntax for JSON log events
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html),
// of which it models only `{ $.field = "value" }` terms joined by `||`,
// refusing any other pattern, over the AWS JSON 1.1 protocol that
// fake/internal/awsjson describes.
package fakelogs
