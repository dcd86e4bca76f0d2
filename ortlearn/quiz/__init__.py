"""Quizzes: question banks as data, pure grading, thin ipywidgets, terminal mode.

The one call a notebook makes is ``ortlearn.quiz.show("02_sessions")``.
"""
