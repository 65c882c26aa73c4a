"""The planner's estimate of how many movies carry a name in a role: name and role
are dependent (a genre's name only ever has the role "genre"), so without
multivariate statistics PostgreSQL multiplied their selectivities and guessed a
genre's movies four times too few at a million movies, and picked a plan that
probed each of them."""

from django.db import migrations

SQL = """
CREATE STATISTICS IF NOT EXISTS fact_name_role_stats (mcv)
  ON name_id, role FROM moviesearch_embeddings_fact;
ANALYZE moviesearch_embeddings_fact;
"""


class Migration(migrations.Migration):
    dependencies = [("moviesearch_embeddings", "0005_no_duplicate_indexes")]

    operations = [
        migrations.RunSQL(SQL, "DROP STATISTICS IF EXISTS fact_name_role_stats;")
    ]
