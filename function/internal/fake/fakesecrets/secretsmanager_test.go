package fakesecrets_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"garoon-calendar-sync/function/internal/fake/fakesecrets"
)

func TestSecretsManagerOperations(t *testing.T) {
	srv, err := fakesecrets.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	errCode := func(err error) string {
		var api smithy.APIError
		if errors.As(err, &api) {
			return api.ErrorCode()
		}
		return ""
	}

	if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("get unknown: %v", err)
	}
	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.ARN) != srv.ARN("s") {
		t.Errorf("ARN %s", aws.ToString(created.ARN))
	}
	if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("s")}); errCode(err) != "ResourceExistsException" {
		t.Errorf("create twice: %v", err)
	}
	// Created without a value: GetSecretValue still says not found.
	if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); errCode(err) != "ResourceNotFoundException" {
		t.Errorf("get without value: %v", err)
	}
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: created.ARN, SecretString: aws.String(`{"k":"v"}`)}); err != nil {
		t.Fatal(err)
	}
	got, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	if err != nil || aws.ToString(got.SecretString) != `{"k":"v"}` || aws.ToString(got.Name) != "s" {
		t.Errorf("get: %+v, %v", got, err)
	}
	if v, ok := srv.Get("s"); !ok || v != `{"k":"v"}` {
		t.Errorf("Get = %q, %v", v, ok)
	}
	desc, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")})
	if err != nil || aws.ToString(desc.Name) != "s" || len(desc.VersionIdsToStages) != 1 {
		t.Errorf("describe: %+v, %v", desc, err)
	}
	srv.Deny(true)
	if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); errCode(err) != "AccessDeniedException" {
		t.Errorf("denied: %v", err)
	}
	for op, want := range map[string]int{"GetSecretValue": 4, "CreateSecret": 2, "PutSecretValue": 1, "DescribeSecret": 1} {
		if n := srv.Count(op); n != want {
			t.Errorf("Count(%s) = %d, want %d", op, n, want)
		}
	}
}
