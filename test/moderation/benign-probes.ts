/**
 * Everyday driving texts for digital humans, written for these tests (no dataset
 * rows). Several contain words that sit next to the lexicons (bet, shoot, minor,
 * match, claim, 杀毒, 博物馆) to catch over-eager matching.
 */
export const BENIGN: readonly string[] = [
  '大家好，欢迎来到今天的直播间，我是你们的数字人主播小雨。',
  '这款护肤品适合干性皮肤，早晚各用一次效果更好。',
  '明天上午九点，我们在会议室讨论新产品的发布计划。',
  '请把电脑里的杀毒软件更新到最新版本。',
  '我不赌，博物馆周末开门，我们一起去看展览吧。',
  '周末的足球比赛打成了平局，大家都很激动。',
  '这道红烧肉的做法很简单，先把肉焯水，再加糖炒色。',
  '孩子们在公园里放风筝，天气晴朗，心情很好。',
  '感谢各位观众的支持，下单后七天内可以无理由退货。',
  '本课程将介绍机器学习的基本概念和常用算法。',
  '他在比赛中打败了对手，获得了冠军。',
  '我们的客服二十四小时在线，有问题随时联系我们。',
  'Welcome to the live stream! Today we are trying three new recipes.',
  'I bet you will love this jacket, it comes in four colours.',
  'We have a photo shoot at the studio on Monday morning.',
  'There is a minor delay on the northern line this morning.',
  'The football match ended in a draw after extra time.',
  'Our class assignment is about the history of Scunthorpe.',
  'This phone has a great camera and the battery lasts two days.',
  'Please read the following sentence clearly into the microphone.',
  'The museum tickets cost 100 yuan and include an audio guide.',
  'Thanks for watching, and see you in the next video!',
  'The chef is killing it tonight with the new dessert menu.',
  'Remember to drink water and take a short break every hour.',
  '美食的诱惑谁能挡得住，今天教大家做蛋糕。',
  '双十一跳楼价大促销，全场五折起。',
  '打死我也不信他会迟到。',
  '定期做乳房健康检查很重要。',
  'This nude lipstick suits every skin tone.',
  'She graduated cum laude last spring.',
  'You can see the comet with the naked eye tonight.',
  'Our avatar speaks English and Chinese with a natural voice.',
];

/**
 * Probes the shipped model sends to review (never block) — known false positives,
 * listed so the test notices both new ones and a model that stops making these.
 * Cause: in-word character n-grams shared with insults and spam (models/text/README.md).
 */
export const KNOWN_MODEL_FALSE_POSITIVES: readonly string[] = [
  'Our class assignment is about the history of Scunthorpe.',
];
