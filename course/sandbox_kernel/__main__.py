import sys

from course.sandbox_kernel.launch import main

sys.exit(main())
