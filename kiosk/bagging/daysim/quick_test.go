package daysim

import (
	"encoding/json"
	"testing"
)

func TestQuickPrint(t *testing.T) {
	r := Run(Config{Seed: 1})
	b, _ := json.MarshalIndent(r, "", " ")
	t.Logf("%s", b)
}
