import sys

from course.admin.cli import main

sys.exit(main())
