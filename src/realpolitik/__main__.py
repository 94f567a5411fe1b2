from .cli import app

if __name__ == "__main__":  # spawned workers import this module again; they must not run the CLI
    app(prog_name="realpolitik")
