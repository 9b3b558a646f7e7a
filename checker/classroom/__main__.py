"""`python -m checker.classroom class|grade ...`: the classroom commands on their own."""

import click

from checker.classroom.commands import class_group, grade


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Kernel to Cloud classroom: class environments and authoritative grading."""


main.add_command(class_group)
main.add_command(grade)

if __name__ == "__main__":
    main()
