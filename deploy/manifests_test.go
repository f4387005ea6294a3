package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/driftwatch/driftwatch/analyzer"
	"github.com/driftwatch/driftwatch/analyzer/s3io"
)

// manifestDir holds the Kubernetes examples shipped with driftwatch.
const manifestDir = "kubernetes"

// kustomization is the part of kustomize's Kustomization we use (its Go type lives in
// sigs.k8s.io/kustomize, which we do not depend on for one list of file names).
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// strict decodes one YAML document into v, refusing unknown and duplicate fields: the
// schema-aware check (no OpenAPI schema can be downloaded here; the API types are the schema).
func strict(doc []byte, v any) error {
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the document")
	}
	return nil
}

// manifests is every Kubernetes object of manifestDir, decoded strictly into its API type.
type manifests struct {
	accounts []*corev1.ServiceAccount
	cronJobs []*batchv1.CronJob
	jobs     []*batchv1.Job
	kustom   *kustomization
	files    []string
}

// documents splits a YAML stream at its "---" separators.
func documents(b []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(b), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(d, "")) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func load(t *testing.T) manifests {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests in %s: %v", manifestDir, err)
	}
	var m manifests
	for _, p := range paths {
		m.files = append(m.files, filepath.Base(p))
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range documents(raw) {
			where := fmt.Sprintf("%s document %d", p, i+1)
			var tm struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			var obj any
			switch want := tm.APIVersion + " " + tm.Kind; want {
			case "v1 ServiceAccount":
				sa := &corev1.ServiceAccount{}
				m.accounts, obj = append(m.accounts, sa), sa
			case "batch/v1 CronJob":
				cj := &batchv1.CronJob{}
				m.cronJobs, obj = append(m.cronJobs, cj), cj
			case "batch/v1 Job":
				j := &batchv1.Job{}
				m.jobs, obj = append(m.jobs, j), j
			case "kustomize.config.k8s.io/v1beta1 Kustomization":
				m.kustom = &kustomization{}
				obj = m.kustom
			default:
				t.Fatalf("%s: unexpected object %q: add its API type to this test", where, want)
			}
			if err := strict(doc, obj); err != nil {
				t.Errorf("%s (%s %s): %v", where, tm.APIVersion, tm.Kind, err)
			}
		}
	}
	return m
}

// TestStrictDecoderRejectsTypos: the check would catch a misspelt or misplaced field.
func TestStrictDecoderRejectsTypos(t *testing.T) {
	for name, doc := range map[string]string{
		"misspelt field":   "apiVersion: batch/v1\nkind: CronJob\nspec:\n  schedul: '* * * * *'\n",
		"misplaced field":  "apiVersion: batch/v1\nkind: CronJob\nspec:\n  concurrencyPolicy: Forbid\n  serviceAccountName: x\n",
		"duplicate field":  "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n  name: b\n",
		"bad quantity":     "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          resources:\n            limits:\n              memory: 256MB-ish\n",
		"wrong value type": "apiVersion: batch/v1\nkind: CronJob\nspec:\n  startingDeadlineSeconds: soon\n",
	} {
		var v any = &batchv1.CronJob{}
		if strings.Contains(doc, "ServiceAccount") {
			v = &corev1.ServiceAccount{}
		} else if strings.Contains(doc, "kind: Job") {
			v = &batchv1.Job{}
		}
		if err := strict([]byte(doc), v); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// cronField checks one field of a standard five-field schedule: *, n, a-b, lists and /step.
func cronField(f string, lo, hi int) bool {
	for part := range strings.SplitSeq(f, ",") {
		rng, step, hasStep := strings.Cut(part, "/")
		if hasStep {
			if n, err := strconv.Atoi(step); err != nil || n < 1 {
				return false
			}
		}
		if rng == "*" {
			continue
		}
		a, b, isRange := strings.Cut(rng, "-")
		x, err1 := strconv.Atoi(a)
		y := x
		var err2 error
		if isRange {
			y, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || x < lo || y > hi || x > y {
			return false
		}
	}
	return true
}

func validCron(s string) bool {
	f := strings.Fields(s)
	return len(f) == 5 && cronField(f[0], 0, 59) && cronField(f[1], 0, 23) && cronField(f[2], 1, 31) &&
		cronField(f[3], 1, 12) && cronField(f[4], 0, 7)
}

func TestCron(t *testing.T) {
	for s, want := range map[string]bool{
		"15 * * * *": true, "*/5 0-6 1,15 * 1-5": true, "0 0 * * 7": true,
		"60 * * * *": false, "* * * *": false, "5-1 * * * *": false, "*/0 * * * *": false, "@hourly": false,
	} {
		if validCron(s) != want {
			t.Errorf("validCron(%q) = %v", s, !want)
		}
	}
}

// env returns a container's environment as a map (plain values only) and its names in order.
func env(t *testing.T, c corev1.Container) (map[string]string, []string) {
	t.Helper()
	vars := map[string]string{}
	var names []string
	for _, e := range c.Env {
		if _, dup := vars[e.Name]; dup {
			t.Errorf("container %s: %s set twice", c.Name, e.Name)
		}
		if e.ValueFrom != nil {
			t.Errorf("container %s: %s uses valueFrom; the examples keep plain values", c.Name, e.Name)
		}
		vars[e.Name] = e.Value
		names = append(names, e.Name)
	}
	return vars, names
}

// checkPod asserts what every driftwatch pod needs: the service account, a non-root read-only
// container with resources, writable /tmp and /opt/ml/output, and a job configuration the
// analyzer accepts. It returns the validated configuration.
func checkPod(t *testing.T, what string, pod corev1.PodSpec, accounts []*corev1.ServiceAccount, extra map[string]string) analyzer.Config {
	t.Helper()
	if !slices.ContainsFunc(accounts, func(sa *corev1.ServiceAccount) bool { return sa.Name == pod.ServiceAccountName }) {
		t.Errorf("%s: serviceAccountName %q is not a ServiceAccount of %s", what, pod.ServiceAccountName, manifestDir)
	}
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %q, want Never (a failed job is not rerun in place)", what, pod.RestartPolicy)
	}
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: pod securityContext must set runAsNonRoot and a non-zero runAsUser", what)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", what, len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image == "" || !strings.Contains(c.Image, "driftwatch:") || len(c.Command) != 0 {
		t.Errorf("%s: image %q command %v; want a tagged driftwatch image and its own entrypoint", what, c.Image, c.Command)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: container securityContext must set readOnlyRootFilesystem, no privilege escalation, drop ALL", what)
	}
	// Resources: requests and limits for memory and CPU, the Go soft limit below the hard one.
	req, lim := c.Resources.Requests, c.Resources.Limits
	for _, r := range []corev1.ResourceName{corev1.ResourceMemory, corev1.ResourceCPU} {
		if req.Name(r, resource.DecimalSI).IsZero() || lim.Name(r, resource.DecimalSI).IsZero() {
			t.Errorf("%s: resources.requests and limits must set %s", what, r)
		}
	}
	if lim.Memory().Cmp(*req.Memory()) < 0 {
		t.Errorf("%s: memory limit %v below its request %v", what, lim.Memory(), req.Memory())
	}
	vars, names := env(t, c)
	if v, ok := vars["GOMEMLIMIT"]; ok {
		q, err := resource.ParseQuantity(strings.TrimSuffix(v, "B"))
		if err != nil || q.Cmp(*lim.Memory()) >= 0 {
			t.Errorf("%s: GOMEMLIMIT %q must be a size below the memory limit %v", what, v, lim.Memory())
		}
	}
	// A read-only root: the job's writable paths are volumes.
	vols := map[string]bool{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v.EmptyDir != nil
	}
	for _, path := range []string{"/tmp", "/opt/ml/output"} {
		if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == path && vols[m.Name] && !m.ReadOnly }) {
			t.Errorf("%s: %s must be a writable emptyDir mount (the root filesystem is read-only)", what, path)
		}
	}
	// Every variable is one the job or the AWS SDK reads, and the configuration is valid.
	known := append(slices.Clone(analyzer.EnvKeys), "AWS_REGION", "GOMEMLIMIT")
	for _, n := range names {
		if !slices.Contains(known, n) {
			t.Errorf("%s: variable %s is read by nothing (analyzer.EnvKeys, AWS_REGION, GOMEMLIMIT)", what, n)
		}
	}
	for _, k := range []string{"dataset_source", "output_path", "baseline_statistics", "baseline_constraints"} {
		if v, ok := vars[k]; ok {
			if _, _, err := s3io.ParseURI(v); err != nil {
				t.Errorf("%s: %s: %v", what, k, err)
			}
		}
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := analyzer.ConfigFromEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, filepath.Join(t.TempDir(), "none.json"))
	if err != nil {
		t.Errorf("%s: the job rejects its configuration: %v", what, err)
	}
	return cfg
}

// exitCodePolicy asserts the pod failure policy stops retries on the job's own outcomes.
func exitCodePolicy(t *testing.T, what string, p *batchv1.PodFailurePolicy) {
	t.Helper()
	want := []int32{analyzer.ExitFailed, analyzer.ExitConfig, analyzer.ExitInternal}
	if p == nil || !slices.ContainsFunc(p.Rules, func(r batchv1.PodFailurePolicyRule) bool {
		return r.Action == batchv1.PodFailurePolicyActionFailJob && r.OnExitCodes != nil &&
			r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && slices.Equal(r.OnExitCodes.Values, want)
	}) {
		t.Errorf("%s: podFailurePolicy must FailJob on exit codes %v (analyzer.ExitFailed, ExitConfig, ExitInternal)", what, want)
	}
}

func TestManifests(t *testing.T) {
	m := load(t)

	// The IRSA service account.
	if len(m.accounts) != 1 {
		t.Fatalf("%d ServiceAccounts, want 1", len(m.accounts))
	}
	arn := m.accounts[0].Annotations["eks.amazonaws.com/role-arn"]
	if !regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`).MatchString(arn) {
		t.Errorf("ServiceAccount %s: eks.amazonaws.com/role-arn %q is not an IAM role ARN", m.accounts[0].Name, arn)
	}

	// The hourly CronJob.
	if len(m.cronJobs) != 1 {
		t.Fatalf("%d CronJobs, want 1", len(m.cronJobs))
	}
	cj := m.cronJobs[0]
	what := "CronJob " + cj.Name
	if cj.Spec.Schedule != "15 * * * *" || !validCron(cj.Spec.Schedule) {
		t.Errorf("%s: schedule %q, want hourly at :15", what, cj.Spec.Schedule)
	}
	if cj.Spec.TimeZone == nil || *cj.Spec.TimeZone != "Etc/UTC" {
		t.Errorf("%s: timeZone must be Etc/UTC: the capture hours are UTC", what)
	}
	if cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("%s: concurrencyPolicy %q, want Forbid", what, cj.Spec.ConcurrencyPolicy)
	}
	js := cj.Spec.JobTemplate.Spec
	if js.ActiveDeadlineSeconds == nil || *js.ActiveDeadlineSeconds >= 3600 {
		t.Errorf("%s: activeDeadlineSeconds must end a run within the hour", what)
	}
	exitCodePolicy(t, what, js.PodFailurePolicy)
	// The run scheduled at 11:15 analyses 10:00–11:00 (DRIFTWATCH_NOW stands for the scheduled time).
	cfg := checkPod(t, what, js.Template.Spec, m.accounts, map[string]string{"DRIFTWATCH_NOW": "2026-11-01T11:15:00Z"})
	if cfg.StartTime != "2026-11-01T10:00:00Z" || cfg.EndTime != "2026-11-01T11:00:00Z" {
		t.Errorf("%s: window %s – %s for the 11:15 run, want the previous hour", what, cfg.StartTime, cfg.EndTime)
	}
	if cfg.DatasetFormat.Kind != analyzer.FormatCapture || cfg.BaselineConstraints == "" || cfg.BaselineStatistics == "" {
		t.Errorf("%s: not a monitoring job over endpoint capture: %+v", what, cfg)
	}
	vars, _ := env(t, js.Template.Spec.Containers[0])
	for _, k := range []string{"DRIFTWATCH_WINDOW", "DRIFTWATCH_WINDOW_OFFSET", "DRIFTWATCH_EXECUTION_LAYOUT"} {
		if vars[k] == "" {
			t.Errorf("%s: %s not set", what, k)
		}
	}
	for _, k := range []string{"start_time", "end_time"} {
		if _, ok := vars[k]; ok {
			t.Errorf("%s: %s is fixed; a scheduled job derives its window", what, k)
		}
	}
	if got := js.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "256Mi" {
		t.Errorf("%s: memory limit %s, want 256Mi", what, got)
	}

	// The one-off baseline Job writes where the CronJob reads its baseline.
	if len(m.jobs) != 1 {
		t.Fatalf("%d Jobs, want 1", len(m.jobs))
	}
	j := m.jobs[0]
	exitCodePolicy(t, "Job "+j.GenerateName, j.Spec.PodFailurePolicy)
	bcfg := checkPod(t, "Job "+j.GenerateName, j.Spec.Template.Spec, m.accounts, nil)
	if bcfg.BaselineStatistics != "" || bcfg.OutputPath+"/statistics.json" != cfg.BaselineStatistics || bcfg.OutputPath+"/constraints.json" != cfg.BaselineConstraints {
		t.Errorf("baseline Job writes to %s; the CronJob reads %s and %s", bcfg.OutputPath, cfg.BaselineStatistics, cfg.BaselineConstraints)
	}

	// kustomization.yaml lists files that exist.
	if m.kustom == nil {
		t.Fatal("no kustomization.yaml")
	}
	for _, r := range m.kustom.Resources {
		if !slices.Contains(m.files, r) {
			t.Errorf("kustomization.yaml lists %s, which is not in %s", r, manifestDir)
		}
	}
}
