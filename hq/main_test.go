package hq

import (
	"os"
	"testing"

	"github.com/kiosk-sco/kiosk/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
