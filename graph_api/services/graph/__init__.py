"""Graph questions answered in the database: shortest paths, full-text search, type counts.

paths.py (shortestPath), search.py and search_index.py (search, and the documents every
write keeps in step), words.py (the one rule of what a word is), counts.py (typeCounts).
"""
