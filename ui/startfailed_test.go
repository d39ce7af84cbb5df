package ui

import (
	"strings"
	"testing"
	"time"
)

// Every way the sandbox can fail to start has its sentence in every
// language, quoting the file or address it is about; the wait is said in
// words with the language's plural forms.
func TestSandboxSentences(t *testing.T) {
	problems := []SandboxProblem{
		{Step: SandboxDataFolder, Path: "/d/sandbox"}, {Step: SandboxLock, Path: "/d/sandbox"},
		{Step: SandboxSpawn}, {Step: SandboxLog, Path: "/d/sandbox.log"},
		{Step: SandboxTimeout, Path: "/d/sandbox.log", Wait: 90 * time.Second},
		{Step: SandboxPortTaken, Listen: "127.0.0.1:4430"}, {Step: SandboxExited, Path: "/d/sandbox.log"},
		{Step: SandboxNoAddress, Path: "/d/sandbox.log"}, {Step: SandboxBadInfo, Path: "/d/sandbox"},
	}
	for _, l := range languages {
		speak(t, l.Code)
		seen := map[string]bool{}
		for _, p := range problems {
			got := sandboxSentence(p)
			if got == "" || strings.HasPrefix(got, "start.") || seen[got] {
				t.Errorf("%s: step %d says %q (empty, a key, or another step's)", l.Code, p.Step, got)
			}
			seen[got] = true
			if !strings.Contains(got, p.Path) || !strings.Contains(got, p.Listen) {
				t.Errorf("%s: step %d does not quote %q%q: %q", l.Code, p.Step, p.Path, p.Listen, got)
			}
		}
		if title := tr("start.sandbox_title"); title == "start.sandbox_title" {
			t.Errorf("%s: no title", l.Code)
		}
	}
	speak(t, "ru")
	if got := sandboxSentence(problems[4]); !strings.Contains(got, "1 минута 30 секунд") {
		t.Errorf("ru: 90 s wait = %q", got)
	}
	speak(t, "en")
	if got := sandboxSentence(problems[5]); !strings.HasPrefix(got, "Another program is using 127.0.0.1:4430, where the sandbox listens.") {
		t.Errorf("en: port taken = %q", got)
	}
}
