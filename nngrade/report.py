def write_report(run, autograded_dir, directory):
    pass
