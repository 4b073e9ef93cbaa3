"""posterm under concurrent tills, kill -9 and printer faults (`scripts/stress`; see __main__)."""
