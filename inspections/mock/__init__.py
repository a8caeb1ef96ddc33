"""Mock evaluations (模拟测评, issue 17): a round of kind "mock" whose visits are recorded as
usual but count in no monthly score, and its report of score rates (得分率)."""
