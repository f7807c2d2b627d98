package fakesecrets

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"garoon-calendar-sync/function/internal/fake/internal/awsjson"
)

// Region and Account appear in the ARNs the fake hands out.
const (
	Region  = "ap-northeast-1"
	Account = awsjson.Account
)

// Server is a fake of AWS Secrets Manager's JSON 1.1 API:
// GetSecretValue, PutSecretValue, DescribeSecret and CreateSecret, by name
// or ARN, for string secrets. Point aws-sdk-go-v2 at URL (BaseEndpoint, or
// AWS_ENDPOINT_URL_SECRETS_MANAGER) with any static credentials: requests
// must be SigV4-signed, the signature is not checked. It is safe for
// concurrent use.
type Server struct {
	URL string

	srv *http.Server

	mu      sync.Mutex
	secrets map[string]*storedSecret // by name
	counts  map[string]int
	deny    bool
}

type storedSecret struct {
	name     string
	value    *string // nil: created without a value
	binary   []byte
	version  int
	created  time.Time
	modified time.Time
}

// Start starts the fake on a loopback port holding secrets
// (name → SecretString). Close it when done.
func Start(secrets map[string]string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake secrets manager: %w", err)
	}
	s := &Server{
		URL:     "http://" + ln.Addr().String(),
		secrets: map[string]*storedSecret{},
		counts:  map[string]int{},
	}
	for name, v := range secrets {
		s.Set(name, v)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Client is an aws-sdk-go-v2 client for the fake: URL as its endpoint,
// Region, and static credentials (the fake checks that a request is
// signed, not by whom).
func (s *Server) Client() *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret-key", ""),
	})
}

// Set stores value as the current SecretString of the secret, creating it
// if needed.
func (s *Server) Set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(s.secret(name, true), &value, nil)
}

// CreateEmpty creates the secret without a value, as CloudFormation does
// for the stack's secret (no SecretString, no GenerateSecretString):
// GetSecretValue then answers ResourceNotFoundException "can't find the
// specified secret value for staging label: AWSCURRENT". An existing
// secret loses its value.
func (s *Server) CreateEmpty(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secret(name, true)
	sec.value, sec.binary = nil, nil
}

// SetBinary stores a binary value (no SecretString), creating the secret if
// needed.
func (s *Server) SetBinary(name string, value []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(s.secret(name, true), nil, value)
}

// Get returns the secret's current SecretString.
func (s *Server) Get(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[name]
	if sec == nil || sec.value == nil {
		return "", false
	}
	return *sec.value, true
}

// Deny makes every request fail with AccessDeniedException.
func (s *Server) Deny(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = on
}

// Count is the number of requests for an operation ("GetSecretValue", …),
// failed ones included.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// ARN is the ARN the fake gives the secret name.
func (s *Server) ARN(name string) string {
	sum := sha256.Sum256([]byte(name))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	suffix := make([]byte, 6)
	for i := range suffix {
		suffix[i] = letters[int(sum[i])%len(letters)]
	}
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", Region, Account, name, suffix)
}

// secret finds a secret by name or ARN, creating it by name if create.
func (s *Server) secret(id string, create bool) *storedSecret {
	if sec := s.secrets[id]; sec != nil {
		return sec
	}
	for name, sec := range s.secrets {
		if s.ARN(name) == id {
			return sec
		}
	}
	if !create {
		return nil
	}
	now := time.Now()
	sec := &storedSecret{name: id, created: now, modified: now}
	s.secrets[id] = sec
	return sec
}

func (s *Server) put(sec *storedSecret, value *string, binary []byte) {
	sec.value, sec.binary = value, binary
	sec.version++
	sec.modified = time.Now()
}

func versionID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// request is the input of the operations the fake serves.
type request struct {
	SecretID     string `json:"SecretId"`
	Name         string `json:"Name"`
	SecretString *string
	SecretBinary []byte
	Description  string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := awsjson.Operation(w, r, "secretsmanager.")
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	if !awsjson.Allowed(w, r, s.deny, "secretsmanager:"+op) {
		return
	}
	var in request
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		awsjson.Error(w, "SerializationException", "fake secrets manager: bad JSON body")
		return
	}
	answer, ok := map[string]func(http.ResponseWriter, request){
		"GetSecretValue": s.getSecretValue,
		"PutSecretValue": s.putSecretValue,
		"DescribeSecret": s.describeSecret,
		"CreateSecret":   s.createSecret,
	}[op]
	if !ok {
		awsjson.Error(w, "UnknownOperationException", "fake secrets manager: unsupported operation "+op)
		return
	}
	answer(w, in)
}

// existing is the secret a request names by SecretId, or nil when it
// answered ResourceNotFoundException.
func (s *Server) existing(w http.ResponseWriter, in request) *storedSecret {
	sec := s.secret(in.SecretID, false)
	if sec == nil {
		awsjson.Error(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	}
	return sec
}

func (s *Server) getSecretValue(w http.ResponseWriter, in request) {
	sec := s.existing(w, in)
	if sec == nil {
		return
	}
	if sec.value == nil && sec.binary == nil {
		awsjson.Error(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
		return
	}
	out := map[string]any{
		"ARN": s.ARN(sec.name), "Name": sec.name, "VersionId": versionID(sec.version),
		"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": epoch(sec.modified),
	}
	if sec.value != nil {
		out["SecretString"] = *sec.value
	} else {
		out["SecretBinary"] = sec.binary // base64, as AWS sends it
	}
	awsjson.Write(w, out)
}

func (s *Server) putSecretValue(w http.ResponseWriter, in request) {
	sec := s.existing(w, in)
	if sec == nil {
		return
	}
	s.put(sec, in.SecretString, in.SecretBinary)
	awsjson.Write(w, map[string]any{"ARN": s.ARN(sec.name), "Name": sec.name, "VersionId": versionID(sec.version), "VersionStages": []string{"AWSCURRENT"}})
}

func (s *Server) describeSecret(w http.ResponseWriter, in request) {
	sec := s.existing(w, in)
	if sec == nil {
		return
	}
	out := map[string]any{"ARN": s.ARN(sec.name), "Name": sec.name, "CreatedDate": epoch(sec.created), "LastChangedDate": epoch(sec.modified)}
	if sec.version > 0 {
		out["VersionIdsToStages"] = map[string][]string{versionID(sec.version): {"AWSCURRENT"}}
	}
	awsjson.Write(w, out)
}

func (s *Server) createSecret(w http.ResponseWriter, in request) {
	if in.Name == "" {
		awsjson.Error(w, "InvalidParameterException", "You must provide a name.")
		return
	}
	if s.secrets[in.Name] != nil {
		awsjson.Error(w, "ResourceExistsException", fmt.Sprintf("The operation failed because the secret %s already exists.", in.Name))
		return
	}
	sec := s.secret(in.Name, true)
	out := map[string]any{"ARN": s.ARN(sec.name), "Name": sec.name}
	if in.SecretString != nil || in.SecretBinary != nil {
		s.put(sec, in.SecretString, in.SecretBinary)
		out["VersionId"] = versionID(sec.version)
	}
	awsjson.Write(w, out)
}
