package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/driftwatch/driftwatch/analyzer"
	"github.com/driftwatch/driftwatch/analyzer/s3io"
	"github.com/driftwatch/driftwatch/sidecar"
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
	deploys  []*appsv1.Deployment
	services []*corev1.Service
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
			case "apps/v1 Deployment":
				d := &appsv1.Deployment{}
				m.deploys, obj = append(m.deploys, d), d
			case "v1 Service":
				svc := &corev1.Service{}
				m.services, obj = append(m.services, svc), svc
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
	baselines := jobsOf(m, "baseline")
	if len(baselines) != 1 {
		t.Fatalf("%d baseline Jobs, want 1", len(baselines))
	}
	j := baselines[0]
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

// jobsOf returns the Jobs labelled app.kubernetes.io/component=component.
func jobsOf(m manifests, component string) []*batchv1.Job {
	var out []*batchv1.Job
	for _, j := range m.jobs {
		if j.Labels["app.kubernetes.io/component"] == component {
			out = append(out, j)
		}
	}
	return out
}

// TestShardedManifests checks the two-step sharded baseline (docs/sharding.md): an Indexed Job
// whose pods are shards i of n by JOB_COMPLETION_INDEX, and a merge Job that waits for their
// partial profiles. Both configurations are validated by the analyzer itself, as pod 0, pod n-1
// and the merge pod would see them.
func TestShardedManifests(t *testing.T) {
	m := load(t)
	if n := len(jobsOf(m, "baseline")) + len(jobsOf(m, "baseline-shard")) + len(jobsOf(m, "baseline-merge")); n != len(m.jobs) {
		t.Errorf("%d Jobs, %d with a known component label", len(m.jobs), n)
	}
	shards, merges := jobsOf(m, "baseline-shard"), jobsOf(m, "baseline-merge")
	if len(shards) != 1 || len(merges) != 1 {
		t.Fatalf("%d shard Jobs and %d merge Jobs, want 1 and 1", len(shards), len(merges))
	}
	sj, mj := shards[0], merges[0]
	what := "Job " + sj.GenerateName
	if sj.Spec.CompletionMode == nil || *sj.Spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("%s: completionMode must be Indexed (Kubernetes then sets JOB_COMPLETION_INDEX)", what)
	}
	if sj.Spec.Completions == nil || sj.Spec.Parallelism == nil || *sj.Spec.Parallelism != *sj.Spec.Completions {
		t.Fatalf("%s: completions and parallelism must be set and equal", what)
	}
	n := int(*sj.Spec.Completions)
	exitCodePolicy(t, what, sj.Spec.PodFailurePolicy)
	exitCodePolicy(t, "Job "+mj.GenerateName, mj.Spec.PodFailurePolicy)
	var shardCfg analyzer.Config
	for _, i := range []int{0, n - 1} {
		cfg := checkPod(t, what, sj.Spec.Template.Spec, m.accounts, map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(i)})
		if s := cfg.Sharding; s.Index != i || s.Count != n || s.Merge {
			t.Errorf("%s: pod %d is shard %d of %d (merge %v), want shard %d of %d, completions", what, i, s.Index, s.Count, s.Merge, i, n)
		}
		shardCfg = cfg
	}
	mcfg := checkPod(t, "Job "+mj.GenerateName, mj.Spec.Template.Spec, m.accounts, nil)
	ms := mcfg.Sharding
	if !ms.Merge || ms.Count != 0 || ms.ExpectCount != n || ms.MergeTimeout <= 0 {
		t.Errorf("merge Job: sharding %+v, want a merge expecting %d partials with a timeout", ms, n)
	}
	if ms.Partials == "" || ms.Partials != shardCfg.Sharding.Partials {
		t.Errorf("merge Job reads partials from %q, the shards write them to %q", ms.Partials, shardCfg.Sharding.Partials)
	}
	if mcfg.DatasetSource != shardCfg.DatasetSource || mcfg.OutputPath != shardCfg.OutputPath || !reflect.DeepEqual(mcfg.DatasetFormat, shardCfg.DatasetFormat) {
		t.Errorf("merge Job and shards disagree on the job: %s %s vs %s %s", mcfg.DatasetSource, mcfg.OutputPath, shardCfg.DatasetSource, shardCfg.OutputPath)
	}
	if d := mj.Spec.ActiveDeadlineSeconds; d == nil || time.Duration(*d)*time.Second <= ms.MergeTimeout {
		t.Errorf("merge Job: activeDeadlineSeconds must exceed DRIFTWATCH_MERGE_TIMEOUT %s, so the job fails with the merge's own message", ms.MergeTimeout)
	}
}

// TestCaptureSidecarManifest checks the data capture sidecar example (capture-sidecar.yaml): the
// sidecar's configuration is accepted by the sidecar itself, the Service reaches the model only
// through it, its readiness probe is a path it never captures, its spool is a writable volume
// large enough for --max-spool-bytes, the pod waits for its graceful shutdown, and it writes the
// capture tree the hourly CronJob reads.
func TestCaptureSidecarManifest(t *testing.T) {
	m := load(t)
	if len(m.deploys) != 1 || len(m.services) != 1 {
		t.Fatalf("%d Deployments and %d Services, want 1 and 1", len(m.deploys), len(m.services))
	}
	d, svc := m.deploys[0], m.services[0]
	what := "Deployment " + d.Name
	pod := d.Spec.Template.Spec
	if !slices.ContainsFunc(m.accounts, func(sa *corev1.ServiceAccount) bool { return sa.Name == pod.ServiceAccountName }) {
		t.Errorf("%s: serviceAccountName %q is not a ServiceAccount of %s", what, pod.ServiceAccountName, manifestDir)
	}
	if len(pod.Containers) != 2 {
		t.Fatalf("%s: %d containers, want the model and the sidecar", what, len(pod.Containers))
	}
	var model, c corev1.Container
	for _, ct := range pod.Containers {
		if len(ct.Args) > 0 && ct.Args[0] == "capture" {
			c = ct
		} else {
			model = ct
		}
	}
	if c.Name == "" || !strings.Contains(c.Image, "driftwatch:") || len(c.Command) != 0 {
		t.Fatalf("%s: no driftwatch container running `capture` with the image's entrypoint", what)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil ||
		*sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: sidecar securityContext must set readOnlyRootFilesystem, no privilege escalation, drop ALL", what)
	}
	if psc := pod.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("%s: pod securityContext must set runAsNonRoot", what)
	}

	// Every variable is a sidecar flag's, or read by the Go runtime, the AWS SDK or the logger;
	// the sidecar accepts the configuration.
	vars, names := env(t, c)
	for _, n := range names {
		if !strings.HasPrefix(n, sidecar.EnvPrefix) && !slices.Contains([]string{"AWS_REGION", "GOMEMLIMIT", "DRIFTWATCH_LOG_FORMAT"}, n) {
			t.Errorf("%s: variable %s is read by nothing", what, n)
		}
	}
	var usage strings.Builder
	sidecar.ParseConfig([]string{"-h"}, func(string) (string, bool) { return "", false }, &usage)
	for _, n := range names {
		if flagName, ok := strings.CutPrefix(n, sidecar.EnvPrefix); ok &&
			!strings.Contains(usage.String(), "-"+strings.ReplaceAll(strings.ToLower(flagName), "_", "-")+" ") {
			t.Errorf("%s: %s names no flag of driftwatch capture", what, n)
		}
	}
	cfg, err := sidecar.ParseConfig(c.Args[1:], func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, &usage)
	if err != nil {
		t.Fatalf("%s: the sidecar rejects its configuration: %v", what, err)
	}

	// Resources: the queue fits in memory with room for the runtime; GOMEMLIMIT below the limit.
	lim := c.Resources.Limits
	if lim.Memory().IsZero() || c.Resources.Requests.Memory().IsZero() || lim.Cpu().IsZero() {
		t.Errorf("%s: sidecar resources must set memory and CPU", what)
	}
	if lim.Memory().Value() < 2*cfg.QueueBytes {
		t.Errorf("%s: memory limit %v leaves no room beside --queue-bytes %d", what, lim.Memory(), cfg.QueueBytes)
	}
	if v, ok := vars["GOMEMLIMIT"]; ok {
		if q, err := resource.ParseQuantity(strings.TrimSuffix(v, "B")); err != nil || q.Cmp(*lim.Memory()) >= 0 {
			t.Errorf("%s: GOMEMLIMIT %q must be a size below the memory limit %v", what, v, lim.Memory())
		}
	}

	// The spool: a writable emptyDir (the root is read-only) holding --max-spool-bytes.
	mounted := false
	for _, vm := range c.VolumeMounts {
		if vm.MountPath != cfg.SpoolDir || vm.ReadOnly {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == vm.Name && v.EmptyDir != nil && v.EmptyDir.SizeLimit != nil && v.EmptyDir.SizeLimit.Value() >= cfg.MaxSpoolBytes {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("%s: --spool-dir %s must be a writable emptyDir mount with sizeLimit >= --max-spool-bytes %d", what, cfg.SpoolDir, cfg.MaxSpoolBytes)
	}

	// Traffic: Service → sidecar port → model port.
	port := func(ct corev1.Container, nameOrNumber string) int32 {
		for _, p := range ct.Ports {
			if p.Name == nameOrNumber || strconv.Itoa(int(p.ContainerPort)) == nameOrNumber {
				return p.ContainerPort
			}
		}
		return 0
	}
	_, listenPort, _ := strings.Cut(cfg.Listen, ":")
	for _, sp := range svc.Spec.Ports {
		if got := port(c, sp.TargetPort.String()); got == 0 || strconv.Itoa(int(got)) != listenPort {
			t.Errorf("Service %s: port %d targets %s, not the sidecar's --listen %s: traffic would bypass capture", svc.Name, sp.Port, sp.TargetPort.String(), cfg.Listen)
		}
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("Service %s selects %s=%s, which the pods do not carry", svc.Name, k, v)
		}
	}
	up, _ := url.Parse(cfg.Upstream)
	if host := up.Hostname(); (host != "127.0.0.1" && host != "localhost") || port(model, up.Port()) == 0 {
		t.Errorf("%s: --upstream %s is not the model container's port on localhost", what, cfg.Upstream)
	}
	if _, mport, _ := strings.Cut(cfg.MetricsListen, ":"); d.Spec.Template.Annotations["prometheus.io/port"] != mport || port(c, mport) == 0 {
		t.Errorf("%s: the scrape annotation and the container port must match --metrics-listen %s", what, cfg.MetricsListen)
	}
	if p := c.ReadinessProbe; p == nil || p.HTTPGet == nil || !slices.Contains(cfg.SkipPaths, p.HTTPGet.Path) || port(c, p.HTTPGet.Port.String()) == 0 {
		t.Errorf("%s: the readiness probe must check the model through the sidecar on a path it never captures (%v)", what, cfg.SkipPaths)
	}

	// Shutdown: the pod waits for the sidecar's preStop pause and graceful stop; the model
	// outlives the sidecar's drain.
	pause := func(ct corev1.Container) int64 {
		if ct.Lifecycle != nil && ct.Lifecycle.PreStop != nil && ct.Lifecycle.PreStop.Sleep != nil {
			return ct.Lifecycle.PreStop.Sleep.Seconds
		}
		return 0
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= cfg.ShutdownTimeout+time.Duration(pause(c))*time.Second {
		t.Errorf("%s: terminationGracePeriodSeconds must exceed the sidecar's preStop pause plus --shutdown-timeout %v", what, cfg.ShutdownTimeout)
	}
	if pause(model) <= pause(c) {
		t.Errorf("%s: the model's preStop pause (%ds) must outlast the sidecar's (%ds)", what, pause(model), pause(c))
	}

	// The capture tree is the one the hourly CronJob monitors.
	if len(m.cronJobs) == 1 {
		cron, _ := env(t, m.cronJobs[0].Spec.JobTemplate.Spec.Template.Spec.Containers[0])
		if want := strings.TrimSuffix(cfg.Destination, "/") + "/" + cfg.EndpointName; cron["dataset_source"] != want || cron["sagemaker_endpoint_name"] != cfg.EndpointName {
			t.Errorf("%s writes %s; the CronJob reads %s (endpoint %s)", what, want, cron["dataset_source"], cron["sagemaker_endpoint_name"])
		}
	}
}
