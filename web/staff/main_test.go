package staff_test

import (
	"os"
	"testing"

	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
